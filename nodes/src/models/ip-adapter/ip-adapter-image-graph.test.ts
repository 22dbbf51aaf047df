import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, type Tensor } from '@momaflow/engine';
import { assertClose, fixturePath, openVectors, runModel } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClipVision } from '../clip-vision';
import { sdModelShapes } from '../tiny';
import { buildIpAdapterImageGraph } from './ip-adapter-image-graph';
import { type ResamplerProjection, readIpAdapter } from './read-ip-adapter';
import { resamplerRef } from './test-support';
import { tinyIpAdapterTensors } from './tiny-ip-adapter';

const { unet } = sdModelShapes();
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-ip-adapter-image-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function adapterFor(kind: 'base' | 'plus', hiddenSize: number) {
  const tensors = tinyIpAdapterTensors(kind, unet, { projectionDim: hiddenSize, hiddenSize }, 5);
  const path = join(dir, `${kind}-${hiddenSize}.safetensors`);
  await writeFile(path, encodeSafetensors(tensors));
  return { file: await readIpAdapter(path), tensors };
}

describe(buildIpAdapterImageGraph.name, () => {
  it("runs the fixture tower to hidden_states[-2] (the reference's, class token first) and the Resampler on it", async () => {
    const tower = await loadClipVision(fixturePath('tiny-moma', 'clip_vision'));
    const { file, tensors } = await adapterFor('plus', tower.config.hiddenSize);
    const vectors = await openVectors();
    try {
      const pixels = await vectors.readFloat32('mllm.pixel_values');
      const ref = await vectors.readFloat32('mllm.vision_features');
      const out = await runModel(await buildIpAdapterImageGraph(file, tower), { pixel_values: pixels });
      const features = out.features!;
      const [, patches = 0, width = 0] = ref.shape;
      expect(features.shape).toEqual([1, patches + 1, width]);
      // The fixture's features leave the class token out (LLaVA's 'patch' select).
      const bound = 1e-4 * Math.max(1, ...ref.data.map(Math.abs));
      assertClose((features.data as Float32Array).subarray(width), ref.data, { rtol: 0, atol: bound });
      const tokens = out.tokens!;
      expect(tokens.shape).toEqual([1, file.projection.tokens, file.tokenDim]);
      const expected = resamplerRef(
        tensors,
        features as Tensor<'float32'>,
        file.projection as ResamplerProjection,
      );
      assertClose(tokens.data as Float32Array, expected, { rtol: 1e-4, atol: 1e-5 });
    } finally {
      await vectors.close();
    }
  });

  it('refuses an ImageProjModel adapter and a resampler of another width, naming the files', async () => {
    const tower = await loadClipVision(fixturePath('tiny-moma', 'clip_vision'));
    const base = await adapterFor('base', tower.config.hiddenSize);
    await expect(buildIpAdapterImageGraph(base.file, tower)).rejects.toMatchObject({
      code: 'ip_adapter_unsupported',
      message: expect.stringContaining(base.file.path),
    });
    const wide = await adapterFor('plus', tower.config.hiddenSize + 8);
    await expect(buildIpAdapterImageGraph(wide.file, tower)).rejects.toMatchObject({
      code: 'ip_adapter_mismatch',
      message: expect.stringContaining(tower.path),
    });
  });
});
