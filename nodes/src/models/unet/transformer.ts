/**
 * @module
 * diffusers `Transformer2DModel` for continuous inputs with conv projections (SD1.x,
 * `use_linear_projection: false`; models/transformers/transformer_2d.py `_operate_on_continuous_inputs`)
 * and its `BasicTransformerBlock` (models/attention.py: LayerNorm -> self-attention -> LayerNorm ->
 * cross-attention -> LayerNorm -> GEGLU feed-forward, each with a residual add).
 */
import type { Value } from '@momaflow/engine';
import { conv2d, EngineError, geglu, groupNorm, layerNorm, linear } from '@momaflow/engine';
import { convWeights, inScope, linearWeights, normWeights, type WeightScope } from '../ldm-config';
import { attentionLayer } from './attention-layer';
import type { UnetBuildContext } from './build-context';
import type { AttentionHookPoint } from './hook-points';

/** Shape of one Transformer2DModel. */
export interface TransformerOptions {
  readonly channels: number;
  /** `BasicTransformerBlock`s inside. */
  readonly depth: number;
}

function pointAt(c: UnetBuildContext, id: string): AttentionHookPoint {
  const point = c.attention.points.get(id);
  if (point === undefined) {
    // The hook list and the builder derive from one layout; a miss is a bug, not bad input.
    throw new EngineError('hook_point_unknown', `no hook point '${id}' in this UNet's layout`);
  }
  return point;
}

/** diffusers `FeedForward` with `GEGLU` (inner = 4 * channels): `net.0.proj`, then `net.2`. */
function feedForward(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  channels: number,
): Value<'float32'> {
  const { b } = c;
  const inner = channels * 4;
  const gated = inScope(b, w, ['net', 0], (gw) =>
    geglu(b, linearWeights(gw, 'proj', { inFeatures: channels, outFeatures: inner * 2 }), x, {
      name: 'proj',
    }),
  );
  return inScope(b, w, ['net', 2], (ow) =>
    linear(b, { weight: ow.take('weight', [channels, inner]), bias: ow.take('bias', [channels]) }, gated),
  );
}

function basicTransformerBlock(
  c: UnetBuildContext,
  w: WeightScope,
  tokens: Value<'float32'>,
  channels: number,
  featureSize: () => Value<'int64'>,
): Value<'float32'> {
  const { b } = c;
  const path = b.scopePath;
  let h = tokens;
  const n1 = layerNorm(b, normWeights(w, 'norm1', channels), h, { name: 'norm1' });
  const a1 = inScope(b, w, ['attn1'], (aw) =>
    attentionLayer(b, aw, c.attention, {
      point: pointAt(c, `${path}.attn1`),
      hidden: n1,
      context: n1,
      featureSize,
    }),
  );
  h = b.op('Add', [a1, h]);
  const n2 = layerNorm(b, normWeights(w, 'norm2', channels), h, { name: 'norm2' });
  const a2 = inScope(b, w, ['attn2'], (aw) =>
    attentionLayer(b, aw, c.attention, {
      point: pointAt(c, `${path}.attn2`),
      hidden: n2,
      context: c.context,
      featureSize,
    }),
  );
  h = b.op('Add', [a2, h]);
  const n3 = layerNorm(b, normWeights(w, 'norm3', channels), h, { name: 'norm3' });
  const ff = inScope(b, w, ['ff'], (fw) => feedForward(c, fw, n3, channels));
  return b.op('Add', [ff, h]);
}

/**
 * `Transformer2DModel` on `x` [B, C, H, W] under the current scope (`down_blocks.0.attentions.1`).
 * Its GroupNorm uses eps 1e-6, unlike the ResNets (diffusers hard-codes it).
 * @example
 * const h = inScope(b, w, ['attentions', 0], (tw) => transformer2d(c, tw, x, { channels: 320, depth: 1 }));
 */
export function transformer2d(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  o: TransformerOptions,
): Value<'float32'> {
  const { b } = c;
  const C = o.channels;
  let h = groupNorm(b, normWeights(w, 'norm', C), x, {
    groups: c.layout.config.normNumGroups,
    eps: 1e-6,
    name: 'norm',
  });
  h = conv2d(b, convWeights(w, 'proj_in', { inChannels: C, outChannels: C, kernel: 1 }), h, {
    name: 'proj_in',
  });
  const nhwc = b.op('Transpose', [h], { perm: [0, 2, 3, 1] });
  let featureSizeValue: Value<'int64'> | undefined;
  const featureSize = (): Value<'int64'> => {
    featureSizeValue ??= b.op('Slice', [
      b.op('Shape', [x], {}, { dtype: 'int64' }),
      b.constInt64([2]),
      b.constInt64([4]),
    ]);
    return featureSizeValue;
  };
  let tokens = b.op('Reshape', [nhwc, b.constInt64([0, -1, C])]);
  for (let t = 0; t < o.depth; t++) {
    tokens = inScope(b, w, ['transformer_blocks', t], (tw) =>
      basicTransformerBlock(c, tw, tokens, C, featureSize),
    );
  }
  const spatial = b.op('Reshape', [tokens, b.op('Shape', [nhwc], {}, { dtype: 'int64' })]);
  h = b.op('Transpose', [spatial], { perm: [0, 3, 1, 2] });
  h = conv2d(b, convWeights(w, 'proj_out', { inChannels: C, outChannels: C, kernel: 1 }), h, {
    name: 'proj_out',
  });
  return b.op('Add', [h, x]);
}
