import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, openWeights, type Tensor, writeSafetensors } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUnet } from './load-unet';
import { fixturePath } from './test-fixtures';
import { SD15_UNET_CONFIG } from './unet-config';
import { UnetGraphCache } from './unet-graph-cache';
import { unetLayout } from './unet-layout';
import { createUnetModel } from './unet-model';
import { unetWeightShapes } from './unet-weight-shapes';
import { memoryUnetWeights } from './unet-weights';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-unet-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(path: string, prefix = ''): Promise<Record<string, Tensor<'float32'>>> {
  const reader = await openWeights(path);
  try {
    const out: Record<string, Tensor<'float32'>> = {};
    for (const key of reader.keys()) if (key.startsWith(prefix)) out[key] = await reader.readFloat32(key);
    return out;
  } finally {
    await reader.close();
  }
}

async function compileError(
  load: () => Promise<Parameters<UnetGraphCache['compile']>[0]>,
): Promise<EngineError> {
  try {
    await UnetGraphCache.create().compile(await load());
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error('compile succeeded');
}

const FOLDER_WEIGHTS = ['tiny-sd', 'unet', 'diffusion_pytorch_model.safetensors'];

describe(unetWeightShapes.name, () => {
  it("lists exactly the keys and shapes of the fixture's diffusers UNet", async () => {
    const model = await loadUnet(fixturePath('tiny-sd'));
    const reader = await openWeights(fixturePath(...FOLDER_WEIGHTS));
    try {
      const shapes = unetWeightShapes(model.layout);
      expect([...shapes.keys()].sort()).toEqual(reader.keys());
      for (const [key, shape] of shapes) expect(shape).toEqual(reader.info(key)?.shape);
    } finally {
      await reader.close();
    }
  });

  it('counts the 859,520,964 parameters of the SD1.5 UNet', () => {
    let n = 0;
    for (const shape of unetWeightShapes(unetLayout(SD15_UNET_CONFIG)).values())
      n += shape.reduce((a, b) => a * b, 1);
    expect(n).toBe(859_520_964);
  });
});

describe('bad UNet weights', () => {
  it('names a missing key and its expected shape', async () => {
    const tensors = await readAll(fixturePath(...FOLDER_WEIGHTS));
    const config = (await loadUnet(fixturePath('tiny-sd'))).config;
    const missing = 'up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_v.weight';
    const expected = tensors[missing]?.shape ?? [];
    delete tensors[missing];
    const err = await compileError(async () =>
      createUnetModel({ config, weights: memoryUnetWeights('missing', tensors) }),
    );
    expect(err.code).toBe('weight_missing');
    expect(err.message).toContain(missing);
    expect(err.message).toContain(`[${expected.join(', ')}]`);
  });

  it('names a wrongly shaped key of a single file with its stored key and both shapes', async () => {
    const stored = 'model.diffusion_model.input_blocks.1.0.in_layers.2.weight';
    const tensors = await readAll(fixturePath('tiny-sd.safetensors'), 'model.diffusion_model.');
    const good = tensors[stored];
    if (good === undefined) throw new Error(`fixture lacks ${stored}`);
    const [o = 0, i = 0, kh = 0, kw = 0] = good.shape;
    tensors[stored] = good.reshape([o, i, kh * kw, 1]);
    const file = join(dir, 'bad-shape.safetensors');
    await writeSafetensors(file, tensors, { dtype: 'F16' });
    await copyFile(fixturePath('tiny-sd.yaml'), join(dir, 'bad-shape.yaml'));
    const err = await compileError(() => loadUnet(file));
    expect(err.code).toBe('weight_shape_mismatch');
    expect(err.message).toContain('down_blocks.0.resnets.0.conv1.weight');
    expect(err.message).toContain(stored);
    expect(err.message).toContain(`[${[o, i, kh * kw, 1].join(', ')}]`);
    expect(err.message).toContain(`[${[o, i, kh, kw].join(', ')}]`);
  });

  it('refuses a single file without UNet weights', async () => {
    const file = join(dir, 'vae-only.safetensors');
    await writeSafetensors(file, await readAll(fixturePath('tiny-sd.safetensors'), 'first_stage_model.'));
    const err = await compileError(() => loadUnet(file));
    expect(err.code).toBe('not_a_unet_checkpoint');
  });
});
