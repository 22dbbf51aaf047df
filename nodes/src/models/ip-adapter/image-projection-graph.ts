/**
 * @module
 * An IP-Adapter's image projection as a graph (tencent-ailab/IP-Adapter `ImageProjModel`, and
 * `Resampler` in resampler.py): image features in, image-prompt tokens out. The caller batches the
 * guided and unguided features (IP-Adapter's unguided tokens are the projection of zero embeddings,
 * or for the Resampler of the hidden states of a zero image), so one call gives both.
 */
import type { OnnxBuilder, OnnxModel, Value } from '@momaflow/engine';
import {
  attention,
  OnnxBuilder as Builder,
  gelu,
  layerNorm,
  linear,
  withWeightReader,
} from '@momaflow/engine';
import { inScope, linearWeights, normWeights, WeightMap, WeightScope } from '../ldm-config';
import {
  IP_ADAPTER_SECTIONS,
  type IpAdapterFile,
  type LinearImageProjection,
  RESAMPLER_DIM_HEAD,
  type ResamplerProjection,
} from './read-ip-adapter';

/**
 * The `image_proj.*` tensors of `file`.
 * @example
 * const weights = await readIpAdapterProjection(file);
 */
export function readIpAdapterProjection(file: IpAdapterFile): Promise<WeightMap> {
  const prefix = `${IP_ADAPTER_SECTIONS.projection}.`;
  return withWeightReader(file.path, (reader) =>
    WeightMap.load(reader, (key) => (key.startsWith(prefix) ? { key } : undefined)),
  );
}

/** Graph input / output names. */
export const IP_ADAPTER_PROJECTION_IO = { features: 'features', tokens: 'tokens' } as const;

/**
 * `ImageProjModel`: Linear to tokens x dim, reshape, LayerNorm per token, on `x` [N, inFeatures].
 * @example
 * const tokens = imageProjModel(b, w, embeds, { tokens: 4, dim: 768 });
 */
export function imageProjModel(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  p: Pick<LinearImageProjection, 'inFeatures' | 'tokens' | 'dim'>,
): Value<'float32'> {
  const flat = linear(
    b,
    linearWeights(w, 'proj', { inFeatures: p.inFeatures, outFeatures: p.tokens * p.dim }),
    x,
    {
      name: 'proj',
    },
  );
  const grid = b.op('Reshape', [flat, b.constInt64([-1, p.tokens, p.dim])]);
  return layerNorm(b, normWeights(w, 'norm', p.dim), grid, { name: 'norm' });
}

/** `PerceiverAttention`: the latents attend over [features; latents], both LayerNormed. */
function perceiverAttention(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  latents: Value<'float32'>,
  p: ResamplerProjection,
): Value<'float32'> {
  const inner = p.heads * RESAMPLER_DIM_HEAD;
  const xn = layerNorm(b, normWeights(w, 'norm1', p.dim), x, { name: 'norm1' });
  const ln = layerNorm(b, normWeights(w, 'norm2', p.dim), latents, { name: 'norm2' });
  const proj = (name: string, input: Value<'float32'>, inF: number, outF: number) =>
    linear(b, linearWeights(w, name, { inFeatures: inF, outFeatures: outF, bias: false }), input, { name });
  const q = proj('to_q', ln, p.dim, inner);
  const kv = proj('to_kv', b.op('Concat', [xn, ln], { axis: 1 }), p.dim, 2 * inner);
  const [k, v] = b.opN(
    'Split',
    [kv, b.constInt64([inner, inner])],
    { axis: -1 },
    { dtypes: ['float32', 'float32'] },
  );
  // (q * d^-1/4) @ (k * d^-1/4)^T is q @ k^T / sqrt(d).
  const out = attention(b, q, k, v, {
    heads: p.heads,
    scale: 1 / Math.sqrt(RESAMPLER_DIM_HEAD),
    name: 'attention',
  }).out;
  return proj('to_out', out, inner, p.dim);
}

/** `FeedForward`: LayerNorm, Linear (no bias), exact GELU, Linear (no bias), as `nn.Sequential` indices 0, 1, 3. */
function feedForward(b: OnnxBuilder, w: WeightScope, x: Value<'float32'>, dim: number): Value<'float32'> {
  const n = layerNorm(b, normWeights(w, '0', dim), x, { name: '0' });
  const up = linear(b, linearWeights(w, '1', { inFeatures: dim, outFeatures: 4 * dim, bias: false }), n, {
    name: '1',
  });
  return linear(
    b,
    linearWeights(w, '3', { inFeatures: 4 * dim, outFeatures: dim, bias: false }),
    gelu(b, up),
    {
      name: '3',
    },
  );
}

/**
 * `Resampler` on `x` [N, seq, inFeatures] -> [N, tokens, outDim].
 * @example
 * const tokens = resampler(b, w, hidden, { kind: 'resampler', inFeatures: 1280, tokens: 16, dim: 768, depth: 4, heads: 12, outDim: 768 });
 */
export function resampler(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  p: ResamplerProjection,
): Value<'float32'> {
  const batch = b.op('Slice', [
    b.op('Shape', [x], {}, { dtype: 'int64' }),
    b.constInt64([0]),
    b.constInt64([1]),
  ]);
  const init = b.initializer('latents', w.take('latents', [1, p.tokens, p.dim]));
  let latents = b.op('Expand', [init, b.op('Concat', [batch, b.constInt64([p.tokens, p.dim])], { axis: 0 })]);
  const h = linear(b, linearWeights(w, 'proj_in', { inFeatures: p.inFeatures, outFeatures: p.dim }), x, {
    name: 'proj_in',
  });
  for (let d = 0; d < p.depth; d++) {
    const current = latents;
    latents = inScope(b, w, ['layers', d], (lw) => {
      const attended = b.op('Add', [
        inScope(b, lw, [0], (aw) => perceiverAttention(b, aw, h, current, p)),
        current,
      ]);
      return b.op('Add', [inScope(b, lw, [1], (fw) => feedForward(b, fw, attended, p.dim)), attended]);
    });
  }
  const out = linear(b, linearWeights(w, 'proj_out', { inFeatures: p.dim, outFeatures: p.outDim }), latents, {
    name: 'proj_out',
  });
  return layerNorm(b, normWeights(w, 'norm_out', p.outDim), out, { name: 'norm_out' });
}

/**
 * The projection graph of `file`: `features` ([N, inFeatures] for `ImageProjModel`, [N, seq,
 * inFeatures] for the Resampler) -> `tokens` [N, tokens, tokenDim]. `weights` holds the `image_proj.*`
 * tensors under their stored names.
 * @example
 * const model = buildIpAdapterProjectionGraph(file, await readIpAdapterProjection(file));
 */
export function buildIpAdapterProjectionGraph(file: IpAdapterFile, weights: WeightMap): OnnxModel {
  const b = Builder.create({ name: 'ip_adapter_projection' });
  const p = file.projection;
  const io = IP_ADAPTER_PROJECTION_IO;
  const tokens = inScope(b, new WeightScope(weights), ['image_proj'], (w) =>
    p.kind === 'linear'
      ? imageProjModel(b, w, b.input(io.features, 'float32', ['batch', p.inFeatures]), p)
      : resampler(b, w, b.input(io.features, 'float32', ['batch', 'seq', p.inFeatures]), p),
  );
  b.output(tokens, io.tokens, ['batch', p.tokens, file.tokenDim]);
  return b.build();
}
