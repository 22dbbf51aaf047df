/** Plain-TS references of the IP-Adapter projections, for the graph tests. */
import { Tensor } from '@momaflow/engine';
import { attentionRef, geluRef, layerNormRef, linearRef } from '@momaflow/engine/testing';
import type { ResamplerProjection } from './read-ip-adapter';

/** Rows of `t` viewed [rows, last] as a tensor. */
export const asTensor = (data: ArrayLike<number>, shape: readonly number[]) =>
  new Tensor('float32', shape, Float32Array.from(data));

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
