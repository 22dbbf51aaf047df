import { copyFile, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLoaderSimple } from '../diffusion/checkpoint-loader-simple';
import type { Conditioning } from '../diffusion/diffusion-types';
import { emptyLatent } from '../diffusion/empty-latent-image';
import { KSampler } from '../diffusion/ksampler';
import { recordingContext, type TinyWorkspace, tinyWorkspace, wave } from '../diffusion/test-support';
import { TINY_CONTROLNET, writeCldmCopy } from '../models/controlnet/test-support';
import { makeTinyControlNet, TINY_CONTROLNET_FILE, TINY_SD15_FILE } from '../models/tiny';
import type { UnetModel } from '../models/unet';
import { fixturePath } from '../models/unet/test-fixtures';
import { applyControl } from './apply-controlnet';
import { ControlNetLoader, loadControlNetHandle } from './controlnet-loader';
import { listControlNets } from './list-controlnets';

let ws: TinyWorkspace;
let dir: string;

beforeAll(async () => {
  ws = await tinyWorkspace();
  await makeTinyControlNet({ modelsDir: ws.env.dirs.models });
  dir = join(ws.env.dirs.models, 'controlnet');
  await writeFile(join(dir, 'exported.onnx'), new Uint8Array([0x08, 0x07, 0x12, 0x04]));
  await writeFile(join(dir, 'broken.safetensors'), 'this is not a weight file at all');
  await copyFile(
    join(ws.env.dirs.models, 'checkpoints', TINY_SD15_FILE),
    join(dir, 'sd-checkpoint.safetensors'),
  );
  await cp(fixturePath(TINY_CONTROLNET), join(dir, 'other-base-diffusers'), { recursive: true });
  // The fixture's ControlNet as one cldm file without its yaml: SD1.5's shape is assumed and does not fit.
  await mkdir(join(ws.root, 'scratch'));
  const copy = await writeCldmCopy(join(ws.root, 'scratch'), { prefix: 'control_model.', dtype: 'F16' });
  await copyFile(copy, join(dir, 'no-yaml.safetensors'));
});
afterAll(() => ws.dispose());

const load = (name: string) => loadControlNetHandle(ws.env, name);

describe('ControlNetLoader', () => {
  it('lists weight files and diffusers folders, not other files', async () => {
    expect(await listControlNets(dir)).toEqual([
      'broken.safetensors',
      TINY_CONTROLNET_FILE,
      'no-yaml.safetensors',
      'other-base-diffusers',
      'sd-checkpoint.safetensors',
    ]);
  });

  it('loads the tiny ControlNet from its cldm file and yaml', async () => {
    const out = await ControlNetLoader.run(recordingContext(ws.env).ctx, {
      control_net_name: TINY_CONTROLNET_FILE,
    });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    const [handle] = out;
    expect(handle.model.keys).toEqual({ kind: 'cldm', prefix: 'control_model.' });
    expect(handle.model.config.embeddingChannels).toEqual([16, 32, 96, 256]);
  });

  it.each([
    ['exported.onnx', 'controlnet_format_unsupported', /is an ONNX graph/],
    ['broken.safetensors', undefined, /broken\.safetensors/],
    ['sd-checkpoint.safetensors', 'not_a_controlnet', /looks like a Stable Diffusion checkpoint/],
    ['no-yaml.safetensors', 'weight_shape_mismatch', /no-yaml\.safetensors has shape/],
  ])('refuses %s with a clear error naming the file', async (name, code, message) => {
    const err = await load(name).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const { code: got, message: text } = err as { code: string; message: string };
    if (code !== undefined) expect(got).toBe(code);
    expect(text).toContain(`ControlNetLoader input 'control_net_name': cannot load '${name}'`);
    expect(text).toMatch(message);
  });

  it('refuses at sampling a ControlNet made for another base model, naming it', async () => {
    const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    const model: UnetModel = out[0];
    const other = await load('other-base-diffusers');
    const context = wave([1, 77, model.config.crossAttentionDim]);
    const cond: Conditioning = [{ context }];
    const hint = wave([1, 64, 64, 3]).reshape([1, 64, 64, 3]);
    const [positive, negative] = applyControl([cond, cond], {
      controlNet: other,
      hint,
      strength: 1,
      startPercent: 0,
      endPercent: 1,
      applyToUncond: false,
    });
    const run = KSampler.run(recordingContext(ws.env).ctx, {
      model,
      seed: 1,
      steps: 2,
      cfg: 7,
      sampler_name: 'euler',
      scheduler: 'normal',
      positive: positive!,
      negative: negative!,
      latent_image: emptyLatent({ width: 64, height: 64, batch: 1 }),
      denoise: 1,
    });
    await expect(run).rejects.toMatchObject({
      code: 'controlnet_model_mismatch',
      message: expect.stringContaining("ControlNet 'other-base-diffusers'"),
    });
    await expect(run).rejects.toThrow(/was made for another base model/);
  });
});
