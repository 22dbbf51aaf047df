/**
 * Parity of ip-adapter_sd15's `ImageProjModel` with the reference stack: MoMA ships the same module
 * (`projectors`), and the fixtures hold its tokens for `mllm.embedding` (`moma.ip_tokens_cond`) and for
 * zeros (`moma.ip_tokens_uncond`). The test repacks the fixture adapter in IP-Adapter's layout
 * (`image_proj.*`, `ip_adapter.{i}` for the cross-attention processors) and runs it through the
 * IP-Adapter reader and projection graph.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyTensor, Tensor, writeSafetensors } from '@momaflow/engine';
import { assertClose, fixturePath, openVectors, runModel } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMomaAdapterSection } from '../moma-adapter';
import { loadUnet } from '../unet';
import { buildIpAdapterProjectionGraph, readIpAdapterProjection } from './image-projection-graph';
import { IP_ADAPTER_SECTIONS, readIpAdapter } from './read-ip-adapter';

const MOMA = { path: fixturePath('tiny-moma', 'attn_adapters_projectors.th') };
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-ip-adapter-parity-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The fixture adapter as an ip-adapter_sd15 file; returns its path and the processors it carries. */
async function repackAsIpAdapter(): Promise<{ path: string; cross: number[] }> {
  const out: Record<string, AnyTensor> = {};
  for (const [key, t] of await readMomaAdapterSection(MOMA, 'projectors')) {
    out[`${IP_ADAPTER_SECTIONS.projection}.${key}`] = t;
  }
  const attention = await readMomaAdapterSection(MOMA, 'self_cross_attentions');
  // MoMA's self-attention processors carry a learnable gain; the others are the cross-attention ones.
  const cross = [...attention.keys()]
    .filter((k) => k.endsWith('.to_k_ip.weight'))
    .map((k) => Number(k.split('.')[0]))
    .filter((i) => !attention.has(`${i}.scale_learnable`))
    .sort((a, b) => a - b);
  for (const i of cross) {
    for (const w of ['to_k_ip', 'to_v_ip']) {
      out[`${IP_ADAPTER_SECTIONS.attention}.${i}.${w}.weight`] = attention.get(`${i}.${w}.weight`)!;
    }
  }
  const path = join(dir, 'ip-adapter_sd15.safetensors');
  await writeSafetensors(path, out);
  return { path, cross };
}

describe('ip-adapter_sd15 image projection against the reference', () => {
  it('gives the reference tokens of the embedding and of zeros', async () => {
    const { path, cross } = await repackAsIpAdapter();
    const file = await readIpAdapter(path);
    // IP-Adapter's processor indices are the orders of the fixture UNet's cross-attention hook points
    // (diffusers' attn_processors positions of the attn2 layers), where image-prompt attention applies.
    const unet = await loadUnet(fixturePath('tiny-sd'));
    expect(file.processors).toEqual(cross);
    expect(cross).toEqual(unet.hookPoints.filter((p) => p.kind === 'cross').map((p) => p.order));
    expect(file.projection.kind).toBe('linear');

    const vectors = await openVectors();
    try {
      const embedding = await vectors.readFloat32('mllm.embedding');
      const [rows = 0, width = 0] = embedding.shape;
      const features = new Tensor('float32', [2 * rows, width], new Float32Array(2 * rows * width));
      features.data.set(embedding.data);
      const graph = buildIpAdapterProjectionGraph(file, await readIpAdapterProjection(file));
      const tokens = (await runModel(graph, { features })).tokens!;
      const half = tokens.size / 2;
      for (const [name, part] of [
        ['moma.ip_tokens_cond', tokens.data.subarray(0, half)],
        ['moma.ip_tokens_uncond', tokens.data.subarray(half)],
      ] as const) {
        const ref = await vectors.readFloat32(name);
        expect(tokens.shape.slice(1)).toEqual(ref.shape.slice(1));
        const bound = 1e-4 * Math.max(1, ...ref.data.map(Math.abs));
        assertClose(part as Float32Array, ref.data, { rtol: 0, atol: bound });
      }
    } finally {
      await vectors.close();
    }
  });
});
