import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, OnnxBuilder, Tensor } from '@momaflow/engine';
import {
  assertClose,
  fixturePath,
  layerNormRef,
  linearRef,
  openVectors,
  runModel,
} from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipVisionSelector, clipVisionTower, loadClipVision } from '../clip-vision';
import { openHfWeights } from '../hf-checkpoint';
import { inScope, WeightMap, WeightScope } from '../ldm-config';
import { sdModelShapes } from '../tiny';
import { buildIpAdapterImageGraph } from './ip-adapter-image-graph';
import { type LinearImageProjection, type ResamplerProjection, readIpAdapter } from './read-ip-adapter';
import { asTensor, imageProjModelRef, resamplerRef, writeProjectedFixtureTower } from './test-support';
import { tinyIpAdapterTensors } from './tiny-ip-adapter';

const { unet } = sdModelShapes();
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-ip-adapter-image-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function adapterFor(kind: 'base' | 'plus', width: number) {
  const tensors = tinyIpAdapterTensors(kind, unet, { projectionDim: width, hiddenSize: width }, 5);
  const path = join(dir, `${kind}-${width}.safetensors`);
  await writeFile(path, encodeSafetensors(tensors));
  return { file: await readIpAdapter(path), tensors };
}

const zerosOf = (t: Tensor<'float32'>) => new Tensor('float32', t.shape, new Float32Array(t.size));
const rows = (t: { data: unknown }) => t.data as Float32Array;

/** The tower's last hidden state (`hidden_states[-1]`, before `post_layernorm`), by the tower code alone. */
async function lastHiddenState(towerPath: string, pixels: Tensor<'float32'>): Promise<Tensor<'float32'>> {
  const tower = await loadClipVision(towerPath);
  const reader = await openHfWeights(tower.weights);
  const weights = await WeightMap.load(reader, clipVisionSelector()).finally(() => reader.close());
  const b = OnnxBuilder.create({ name: 'tower' });
  const x = b.input('pixel_values', 'float32', pixels.shape);
  const h = inScope(b, new WeightScope(weights), ['vision_model'], (w) =>
    clipVisionTower(b, w, x, { config: tower.config, featureLayer: -1 }),
  );
  b.output(h, 'hidden');
  return (await runModel(b.build(), { pixel_values: pixels })).hidden as Tensor<'float32'>;
}

describe(buildIpAdapterImageGraph.name, () => {
  it("runs the fixture tower to hidden_states[-2] (the reference's, class token first) and the Resampler on it, zero pixels giving the unguided tokens", async () => {
    const tower = await loadClipVision(fixturePath('tiny-moma', 'clip_vision'));
    const { file, tensors } = await adapterFor('plus', tower.config.hiddenSize);
    const vectors = await openVectors();
    try {
      const pixels = await vectors.readFloat32('mllm.pixel_values');
      const ref = await vectors.readFloat32('mllm.vision_features');
      const graph = await buildIpAdapterImageGraph(file, tower);
      const out = await runModel(graph, { pixel_values: pixels });
      const features = out.features as Tensor<'float32'>;
      const [, patches = 0, width = 0] = ref.shape;
      expect(features.shape).toEqual([1, patches + 1, width]);
      // The fixture's features leave the class token out (LLaVA's 'patch' select).
      const bound = 1e-4 * Math.max(1, ...ref.data.map(Math.abs));
      assertClose(features.data.subarray(width), ref.data, { rtol: 0, atol: bound });
      const p = file.projection as ResamplerProjection;
      expect(out.tokens_cond?.shape).toEqual([1, p.tokens, file.tokenDim]);
      assertClose(rows(out.tokens_cond!), resamplerRef(tensors, features, p), { rtol: 1e-4, atol: 1e-5 });
      const blank = (await runModel(graph, { pixel_values: zerosOf(pixels) })).features as Tensor<'float32'>;
      assertClose(rows(out.tokens_uncond!), resamplerRef(tensors, blank, p), { rtol: 1e-4, atol: 1e-5 });
    } finally {
      await vectors.close();
    }
  });

  it("gives CLIPVisionModelWithProjection's image_embeds, post_layernorm(CLS) times visual_projection, and ImageProjModel of them and of zeros", async () => {
    const projectionDim = 24;
    const towerDir = join(dir, 'projected-tower');
    const { projection } = await writeProjectedFixtureTower(towerDir, projectionDim);
    const tower = await loadClipVision(towerDir);
    const { file, tensors } = await adapterFor('base', projectionDim);
    const vectors = await openVectors();
    try {
      const pixels = await vectors.readFloat32('mllm.pixel_values');
      const batch = new Tensor('float32', [2, ...pixels.shape.slice(1)], new Float32Array(2 * pixels.size));
      batch.data.set(pixels.data);
      batch.data.set(
        pixels.data.map((v) => -0.5 * v),
        pixels.size,
      );
      const out = await runModel(await buildIpAdapterImageGraph(file, tower), { pixel_values: batch });

      const hidden = await lastHiddenState(towerDir, batch);
      const [n = 0, seq = 0, width = 0] = hidden.shape;
      const cls = asTensor(
        Array.from({ length: n }, (_, i) => [
          ...hidden.data.subarray(i * seq * width, i * seq * width + width),
        ]).flat(),
        [n, width],
      );
      const reader = await openHfWeights(tower.weights);
      const [lnWeight, lnBias] = await Promise.all([
        reader.readFloat32('vision_model.post_layernorm.weight'),
        reader.readFloat32('vision_model.post_layernorm.bias'),
      ]).finally(() => reader.close());
      const pooled = layerNormRef(cls, tower.config.layerNormEps, lnWeight, lnBias);
      const embeds = linearRef(pooled, n, projection);
      expect(out.features?.shape).toEqual([n, projectionDim]);
      assertClose(rows(out.features!), embeds, { rtol: 1e-4, atol: 1e-5 });

      const p = file.projection as LinearImageProjection;
      expect(out.tokens_cond?.shape).toEqual([n, p.tokens, file.tokenDim]);
      assertClose(rows(out.tokens_cond!), imageProjModelRef(tensors, rows(out.features!), p), {
        rtol: 1e-4,
        atol: 1e-5,
      });
      const uncond = imageProjModelRef(tensors, new Float32Array(n * projectionDim), p);
      assertClose(rows(out.tokens_uncond!), uncond, { rtol: 1e-4, atol: 1e-5 });
      expect(rows(out.tokens_cond!)).not.toEqual(rows(out.tokens_uncond!));
    } finally {
      await vectors.close();
    }
  });

  it('refuses a tower without visual_projection for ImageProjModel, and widths that differ, naming the files', async () => {
    const plain = await loadClipVision(fixturePath('tiny-moma', 'clip_vision'));
    const base = await adapterFor('base', plain.config.hiddenSize);
    await expect(buildIpAdapterImageGraph(base.file, plain)).rejects.toMatchObject({
      code: 'missing_visual_projection',
      message: expect.stringMatching(/model\.safetensors has no 'visual_projection\.weight'/),
    });
    const projected = await loadClipVision((await writeProjectedFixtureTower(join(dir, 'p16'), 16)).path);
    await expect(buildIpAdapterImageGraph(base.file, projected)).rejects.toMatchObject({
      code: 'ip_adapter_mismatch',
      message: expect.stringContaining(projected.path),
    });
    const wide = await adapterFor('plus', plain.config.hiddenSize + 8);
    await expect(buildIpAdapterImageGraph(wide.file, plain)).rejects.toMatchObject({
      code: 'ip_adapter_mismatch',
      message: expect.stringContaining(plain.path),
    });
  });
});
