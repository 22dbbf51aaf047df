import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, Tensor } from '@momaflow/engine';
import { assertClose, randomTensor, runModel } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdModelShapes } from '../tiny';
import { listHookPoints } from '../unet';
import { buildIpAdapterProjectionGraph, readIpAdapterProjection } from './image-projection-graph';
import {
  type IpAdapterFile,
  type LinearImageProjection,
  type ResamplerProjection,
  readIpAdapter,
} from './read-ip-adapter';
import { imageProjModelRef, resamplerRef } from './test-support';
import { tinyIpAdapterTensors } from './tiny-ip-adapter';

const { unet } = sdModelShapes();
const encoder = { projectionDim: 24, hiddenSize: 48 };
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-ip-adapter-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(
  kind: 'base' | 'plus',
): Promise<{ file: IpAdapterFile; tensors: Record<string, Tensor<'float32'>> }> {
  const tensors = tinyIpAdapterTensors(kind, unet, encoder, 9);
  const path = join(dir, `${kind}.safetensors`);
  await writeFile(path, encodeSafetensors(tensors));
  return { file: await readIpAdapter(path), tensors };
}

describe(readIpAdapter.name, () => {
  it('tells ip-adapter_sd15 from ip-adapter-plus_sd15 by their keys', async () => {
    const base = (await write('base')).file;
    expect(base.projection).toEqual({ kind: 'linear', inFeatures: 24, tokens: 4, dim: 32 });
    const plus = (await write('plus')).file;
    expect(plus.projection).toEqual({
      kind: 'resampler',
      inFeatures: 48,
      tokens: 16,
      dim: 32,
      depth: 4,
      heads: 12,
      outDim: 32,
    });
    // Every cross-attention processor, at the odd positions of diffusers' attn_processors order.
    const cross = listHookPoints(unet)
      .filter((pt) => pt.kind === 'cross')
      .map((pt) => pt.order);
    expect(plus.processors).toEqual(cross);
    expect(cross.every((i) => i % 2 === 1)).toBe(true);
    expect(plus.tokenDim).toBe(32);
  });

  it('refuses a file without an image projection', async () => {
    const path = join(dir, 'lora.safetensors');
    await writeFile(
      path,
      encodeSafetensors({ 'lora_unet_x.lora_up.weight': Tensor.zeros('float32', [2, 2]) }),
    );
    await expect(readIpAdapter(path)).rejects.toThrow(
      /has no 'image_proj\.\*' weights; is it an IP-Adapter\?/,
    );
  });
});

describe(buildIpAdapterProjectionGraph.name, () => {
  it('is ImageProjModel: LayerNorm of the reshaped Linear, zero embeddings giving the unguided tokens', async () => {
    const { file, tensors } = await write('base');
    const x = randomTensor([2, 24], 3);
    x.data.fill(0, 24);
    const graph = buildIpAdapterProjectionGraph(file, await readIpAdapterProjection(file));
    const out = await runModel(graph, { features: x });
    expect(out.tokens?.shape).toEqual([2, 4, 32]);
    const ref = imageProjModelRef(tensors, x.data, file.projection as LinearImageProjection);
    assertClose(out.tokens!.data as Float32Array, ref, { rtol: 1e-5, atol: 1e-5 });
  });

  it("is the Resampler of resampler.py over the vision tower's hidden states", async () => {
    const { file, tensors } = await write('plus');
    const x = randomTensor([2, 5, 48], 4);
    const graph = buildIpAdapterProjectionGraph(file, await readIpAdapterProjection(file));
    const out = await runModel(graph, { features: x });
    expect(out.tokens?.shape).toEqual([2, 16, 32]);
    assertClose(
      out.tokens!.data as Float32Array,
      resamplerRef(tensors, x, file.projection as ResamplerProjection),
      {
        rtol: 1e-4,
        atol: 1e-5,
      },
    );
  });
});
