/**
 * Plain-TS references of the IP-Adapter projections, and a CLIPVisionModelWithProjection tower made
 * from the fixture's CLIPVisionModel, for the graph tests.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSafetensors, openWeights, Tensor } from '@momaflow/engine';
import { attentionRef, fixturePath, geluRef, layerNormRef, linearRef } from '@momaflow/engine/testing';
import { seededWeight } from '../tiny/seeded-init';
import type { LinearImageProjection, ResamplerProjection } from './read-ip-adapter';

/** Rows of `t` viewed [rows, last] as a tensor. */
export const asTensor = (data: ArrayLike<number>, shape: readonly number[]) =>
  new Tensor('float32', shape, Float32Array.from(data));

/** `ImageProjModel` in plain TS: LayerNorm per token of the reshaped `proj` Linear, on `x` [n, inFeatures]. */
export function imageProjModelRef(
  t: Record<string, Tensor<'float32'>>,
  x: ArrayLike<number>,
  p: Pick<LinearImageProjection, 'inFeatures' | 'tokens' | 'dim'>,
): number[] {
  const n = x.length / p.inFeatures;
  const flat = asTensor(linearRef(x, n, t['image_proj.proj.weight']!, t['image_proj.proj.bias']), [
    n * p.tokens,
    p.dim,
  ]);
  return layerNormRef(flat, 1e-5, t['image_proj.norm.weight'], t['image_proj.norm.bias']);
}

/**
 * The fixture's tiny `CLIPVisionModel` (`tiny-moma/clip_vision`) as a CLIPVisionModelWithProjection
 * folder in `dir`: its config and tensors plus a seeded `visual_projection.weight` [projectionDim, hidden].
 */
export async function writeProjectedFixtureTower(
  dir: string,
  projectionDim: number,
): Promise<{ path: string; projection: Tensor<'float32'> }> {
  const source = fixturePath('tiny-moma', 'clip_vision');
  await mkdir(dir, { recursive: true });
  await copyFile(join(source, 'config.json'), join(dir, 'config.json'));
  const reader = await openWeights(join(source, 'model.safetensors'));
  try {
    const tensors: Record<string, Tensor<'float32'>> = {};
    for (const key of reader.keys()) tensors[key] = await reader.readFloat32(key);
    const hidden = tensors['vision_model.post_layernorm.weight']!.shape[0] ?? 0;
    const projection = seededWeight({
      seed: 7,
      key: 'visual_projection.weight',
      shape: [projectionDim, hidden],
    });
    tensors['visual_projection.weight'] = projection;
    await writeFile(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
    return { path: dir, projection };
  } finally {
    await reader.close();
  }
}

/** resampler.py's forward in plain TS (float64), one sample at a time. */
export function resamplerRef(
  t: Record<string, Tensor<'float32'>>,
  x: Tensor<'float32'>,
  p: ResamplerProjection,
): number[] {
  const w = (k: string) => t[`image_proj.${k}`]!;
  const [n = 0, seq = 0] = x.shape;
  const out: number[] = [];
  for (let s = 0; s < n; s++) {
    const xs = asTensor(x.data.subarray(s * seq * p.inFeatures, (s + 1) * seq * p.inFeatures), [
      seq,
      p.inFeatures,
    ]);
    const h = asTensor(linearRef(xs.data, seq, w('proj_in.weight'), w('proj_in.bias')), [seq, p.dim]);
    let lat = asTensor(w('latents').data, [p.tokens, p.dim]);
    for (let d = 0; d < p.depth; d++) {
      const l = (k: string) => w(`layers.${d}.${k}`);
      const xn = layerNormRef(h, 1e-5, l('0.norm1.weight'), l('0.norm1.bias'));
      const ln = layerNormRef(lat, 1e-5, l('0.norm2.weight'), l('0.norm2.bias'));
      const inner = p.heads * 64;
      const q = linearRef(ln, p.tokens, l('0.to_q.weight'));
      const kv = linearRef([...xn, ...ln], seq + p.tokens, l('0.to_kv.weight'));
      const k = kv.filter((_, i) => i % (2 * inner) < inner);
      const v = kv.filter((_, i) => i % (2 * inner) >= inner);
      const attended = attentionRef(
        asTensor(q, [1, p.tokens, inner]),
        asTensor(k, [1, seq + p.tokens, inner]),
        asTensor(v, [1, seq + p.tokens, inner]),
        p.heads,
        1 / 8,
      ).out;
      const a = linearRef(attended, p.tokens, l('0.to_out.weight')).map((v2, i) => v2 + lat.data[i]!);
      const an = layerNormRef(asTensor(a, [p.tokens, p.dim]), 1e-5, l('1.0.weight'), l('1.0.bias'));
      const up = linearRef(an, p.tokens, l('1.1.weight')).map(geluRef);
      lat = asTensor(
        linearRef(up, p.tokens, l('1.3.weight')).map((v2, i) => v2 + a[i]!),
        [p.tokens, p.dim],
      );
    }
    const proj = asTensor(linearRef(lat.data, p.tokens, w('proj_out.weight'), w('proj_out.bias')), [
      p.tokens,
      p.outDim,
    ]);
    out.push(...layerNormRef(proj, 1e-5, w('norm_out.weight'), w('norm_out.bias')));
  }
  return out;
}
