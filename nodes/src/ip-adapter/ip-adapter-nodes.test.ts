import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, encodeSafetensors, Tensor, writeTorchFile } from '@momaflow/engine';
import { assertClose, fixturePath, runModel } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from '../diffusion/test-support';
import { rgbPattern } from '../image/image-test-utils';
import { clipPreprocess } from '../models/clip-vision';
import { buildIpAdapterImageGraph, tinyIpAdapterTensors } from '../models/ip-adapter';
import { writeProjectedFixtureTower } from '../models/ip-adapter/test-support';
import { sdModelShapes } from '../models/tiny';
import { IPAdapterEncode } from './ip-adapter-encode';
import { IPAdapterLoader } from './ip-adapter-loader';
import type { IpAdapterHandle } from './ip-adapter-types';

const TOWER = 'tower';
/** The same tower with CLIPVisionModelWithProjection's head, as IP-Adapter's image_encoder has it. */
const PROJECTED_TOWER = 'projected';
let ws: TinyWorkspace;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const models = ws.env.dirs.models;
  await mkdir(join(models, 'ipadapter'), { recursive: true });
  await cp(fixturePath('tiny-moma', 'clip_vision'), join(models, 'clip_vision', TOWER), { recursive: true });
  await writeProjectedFixtureTower(join(models, 'clip_vision', PROJECTED_TOWER), 32);
  const { unet } = sdModelShapes();
  const encoder = { projectionDim: 32, hiddenSize: 32 };
  const adapters = {
    plus: tinyIpAdapterTensors('plus', unet, encoder, 3),
    base: tinyIpAdapterTensors('base', unet, encoder, 4),
  };
  for (const [name, tensors] of Object.entries(adapters)) {
    await writeFile(join(models, 'ipadapter', `${name}.safetensors`), encodeSafetensors(tensors));
    // The released .bin layout: {image_proj: {...}, ip_adapter: {...}} nested dicts.
    const tree: Record<
      string,
      Record<string, { dtype: 'F32'; shape: readonly number[]; bytes: () => Uint8Array }>
    > = {};
    for (const [key, t] of Object.entries(tensors)) {
      const [section = '', ...rest] = key.split('.');
      tree[section] = {
        ...tree[section],
        [rest.join('.')]: {
          dtype: 'F32',
          shape: t.shape,
          bytes: () => new Uint8Array(t.data.slice().buffer),
        },
      };
    }
    await writeTorchFile(join(models, 'ipadapter', `${name}.bin`), tree);
  }
  await writeFile(
    join(models, 'ipadapter', 'lora.safetensors'),
    encodeSafetensors({ x: Tensor.zeros('float32', [2]) }),
  );
});
afterAll(() => ws.dispose());

async function load(
  ipadapter_file: string,
  clip_vision = TOWER,
): Promise<[IpAdapterHandle, { section: string; path: string }]> {
  const out = await IPAdapterLoader.run(recordingContext(ws.env).ctx, { ipadapter_file, clip_vision });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out as [IpAdapterHandle, { section: string; path: string }];
}

describe(IPAdapterLoader.type, () => {
  it.each([
    ['plus', TOWER],
    ['base', PROJECTED_TOWER],
  ])(
    'reads the .bin and .safetensors layouts alike (%s), with the ip_adapter section for Image Prompt Attention',
    async (name, tower) => {
      const [fromSafetensors, attention] = await load(`${name}.safetensors`, tower);
      const [fromBin] = await load(`${name}.bin`, tower);
      expect(fromBin.file.projection).toEqual(fromSafetensors.file.projection);
      expect(fromBin.file.processors).toEqual(fromSafetensors.file.processors);
      expect(attention.section).toBe('ip_adapter');
      expect(fromSafetensors.key).not.toBe(fromBin.key);
    },
  );

  it('names the input when the file is not an IP-Adapter', async () => {
    const err = await load('lora.safetensors').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toContain("IPAdapterLoader input 'ipadapter_file'");
    expect((err as EngineError).message).toMatch(/is it an IP-Adapter\?/);
  });
});

/** IPAdapterEncode's prompt for an image of 40x30, and the image graph's own outputs on it. */
async function encode(handle: IpAdapterHandle) {
  const rgb = rgbPattern(40, 30, (x, y, c) => x * 7 + y * 3 + c * 50);
  const image = new Tensor(
    'float32',
    [1, 30, 40, 3],
    Float32Array.from(rgb.data, (v) => v / 255),
  );
  const out = await IPAdapterEncode.run(recordingContext(ws.env).ctx, { ip_adapter: handle, image });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  const graph = await buildIpAdapterImageGraph(handle.file, handle.tower);
  const direct = await runModel(graph, { pixel_values: clipPreprocess(rgb, handle.tower.processor) });
  return { prompt: out[0], direct };
}

describe(IPAdapterEncode.type, () => {
  it.each([
    ['plus.safetensors', TOWER],
    ['base.safetensors', PROJECTED_TOWER],
  ])(
    "gives the image graph's guided and unguided tokens of the preprocessed image (%s)",
    async (file, tower) => {
      const [handle] = await load(file, tower);
      const { prompt, direct } = await encode(handle);
      expect(prompt.cond.shape).toEqual(direct.tokens_cond?.shape);
      assertClose(prompt.cond.data, direct.tokens_cond!.data as Float32Array, { rtol: 1e-5, atol: 1e-6 });
      assertClose(prompt.uncond.data, direct.tokens_uncond!.data as Float32Array, { rtol: 1e-5, atol: 1e-6 });
      expect(prompt.cond.data).not.toEqual(prompt.uncond.data);
    },
  );

  it('refuses, at load, an ip-adapter_sd15 style adapter with a tower that has no visual_projection, naming the input and key', async () => {
    const err = await load('base.safetensors').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'missing_visual_projection' });
    expect((err as EngineError).message).toContain("IPAdapterLoader input 'clip_vision'");
    expect((err as EngineError).message).toContain("has no 'visual_projection.weight'");
  });
});
