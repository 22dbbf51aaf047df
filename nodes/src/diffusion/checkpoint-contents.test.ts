import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyTensor, EngineError, encodeSafetensors, Tensor } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCheckpointLayout } from '../models/ldm-config';
import { ldmYamlText, TINY_SD15_SHAPE, tinySd15Tensors } from '../models/tiny';
import { ldmEmaKey } from '../models/unet';
import { describeIgnored, inspectCheckpoint } from './checkpoint-contents';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-contents-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The tiny checkpoint's tensors with `edit` applied, written as `name` (with the tiny yaml unless told). */
async function write(
  name: string,
  edit: (t: Record<string, AnyTensor>) => void,
  o: { readonly yaml?: string | false } = {},
): Promise<string> {
  const tensors = tinySd15Tensors(TINY_SD15_SHAPE, 3);
  edit(tensors);
  const path = join(dir, name);
  await writeFile(path, encodeSafetensors(tensors, { dtype: 'F16' }));
  if (o.yaml !== false) {
    await writeFile(path.replace(/\.safetensors$/, '.yaml'), o.yaml ?? ldmYamlText(TINY_SD15_SHAPE));
  }
  return path;
}

async function inspect(path: string, emaUsed = false) {
  return inspectCheckpoint(await resolveCheckpointLayout(path), { unetFile: path, emaUsed });
}

async function refusal(path: string): Promise<EngineError> {
  const err = await inspect(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`);
  return err;
}

const scalar = () => Tensor.filled([1], 0.5);

describe(inspectCheckpoint.name, () => {
  it('counts keys no part reads, by group, and the EMA copies', async () => {
    const path = await write('extras.safetensors', (t) => {
      for (const key of Object.keys(t)
        .filter((k) => k.startsWith('model.diffusion_model.'))
        .slice(0, 5)) {
        t[ldmEmaKey(key)] = scalar();
      }
      t['model_ema.decay'] = scalar();
      t.betas = scalar();
      t.alphas_cumprod = scalar();
      t['first_stage_model.loss.logvar'] = scalar();
    });
    const contents = await inspect(path);
    expect(contents.emaTensors).toBe(5);
    expect(contents.ignored).toEqual([
      { group: 'model_ema.*', count: 6 },
      { group: 'alphas_cumprod', count: 1 },
      { group: 'betas', count: 1 },
      { group: 'first_stage_model.loss.*', count: 1 },
    ]);
    expect(describeIgnored(contents.ignored)).toBe(
      'ignored 9 keys SD1.x does not read: model_ema.* (6), alphas_cumprod (1), betas (1), first_stage_model.loss.* (1)',
    );
  });

  it('names the UNet weight whose EMA copy is missing when the EMA copy is used', async () => {
    const unetKeys = Object.keys(tinySd15Tensors(TINY_SD15_SHAPE, 3)).filter((k) =>
      k.startsWith('model.diffusion_model.'),
    );
    const path = await write('partial-ema.safetensors', (t) => {
      for (const key of unetKeys.slice(1)) t[ldmEmaKey(key)] = scalar();
    });
    expect((await inspect(path)).emaTensors).toBe(unetKeys.length - 1);
    const err = await inspect(path, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('ema_weights_incomplete');
    expect((err as EngineError).message).toContain(`'${unetKeys[0]}'`);
  });

  it.each([
    ['an SD2.x text encoder', 'cond_stage_model.model.ln_final.weight', /SD2\.x checkpoint \(OpenCLIP/],
    ['SDXL conditioners', 'conditioner.embedders.0.transformer.x', /SDXL/],
    ["ComfyUI's v_pred marker", 'v_pred', /v-prediction model \(it has a 'v_pred' key\)/],
  ])('refuses a file with %s', async (_what, key, message) => {
    const path = await write(`other-${key.length}.safetensors`, (t) => {
      t[key] = scalar();
    });
    const err = await refusal(path);
    expect(err.code).toBe('unsupported_checkpoint');
    expect(err.message).toMatch(message);
    expect(err.message).toContain(path);
  });

  it('refuses a v-prediction yaml', async () => {
    const yaml = ldmYamlText(TINY_SD15_SHAPE).replace('parameterization: eps', 'parameterization: v');
    const err = await refusal(await write('vpred.safetensors', () => {}, { yaml }));
    expect(err.message).toMatch(/v-prediction model \('parameterization: v' in .*vpred\.yaml\)/);
  });

  it('refuses a yaml-less file whose UNet attends to 1024-wide tokens (SD2.x)', async () => {
    const key = 'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight';
    const path = await write(
      'sd2-shape.safetensors',
      (t) => {
        t[key] = Tensor.zeros('float32', [320, 1024]);
      },
      { yaml: false },
    );
    expect((await refusal(path)).message).toMatch(/SD2\.x checkpoint \(its UNet attends to 1024-wide/);
  });

  it('refuses a diffusers pipeline that predicts v', async () => {
    const root = join(dir, 'vpred-pipeline');
    await mkdir(join(root, 'scheduler'), { recursive: true });
    for (const entry of await readdir(fixturePath('tiny-sd'))) {
      if (entry !== 'scheduler') await symlink(fixturePath('tiny-sd', entry), join(root, entry));
    }
    await writeFile(
      join(root, 'scheduler', 'scheduler_config.json'),
      JSON.stringify({ _class_name: 'DDIMScheduler', prediction_type: 'v_prediction' }),
    );
    const unetFile = join(root, 'unet', 'diffusion_pytorch_model.safetensors');
    const err = await inspectCheckpoint(await resolveCheckpointLayout(root), {
      unetFile,
      emaUsed: false,
    }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unsupported_checkpoint');
    expect((err as EngineError).message).toMatch(/v-prediction pipeline \('prediction_type: v_prediction'/);
  });

  it('accepts the fixture pipeline and reports nothing ignored', async () => {
    const root = fixturePath('tiny-sd');
    const unetFile = join(root, 'unet', 'diffusion_pytorch_model.safetensors');
    const contents = await inspectCheckpoint(await resolveCheckpointLayout(root), {
      unetFile,
      emaUsed: false,
    });
    expect(contents).toEqual({ emaTensors: 0, ignored: [] });
  });
});
