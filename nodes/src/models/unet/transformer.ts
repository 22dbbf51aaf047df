/**
 * @module
 * diffusers `Transformer2DModel` for continuous inputs with conv projections (SD1.x,
 * `use_linear_projection: false`; models/transformers/transformer_2d.py `_operate_on_continuous_inputs`)
 * and its `BasicTransformerBlock` (models/attention.py: LayerNorm -> self-attention -> LayerNorm ->
 * cross-attention -> LayerNorm -> GEGLU feed-forward, each with a residual add). Tokens flow as rows
 * [B * H * W, C] so every linear layer is one Gemm with its bias (see gemm-linear.ts).
 */
import type { Value } from '@momaflow/engine';
import { conv2d, EngineError, gelu, groupNorm, layerNorm } from '@momaflow/engine';
import {
  convWeights,
  inScope,
  linearWeights,
  normWeights,
  type WeightScope,
  withConvDeltas,
} from '../ldm-config';
import { attentionLayer } from './attention-layer';
import type { UnetBuildContext } from './build-context';
import { gemmLinear } from './gemm-linear';
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

/**
 * diffusers `FeedForward` with `GEGLU` (inner = 4 * channels): `net.0.proj`, split in halves
 * `h, gate`, `h * gelu(gate)`, then `net.2`. From opset 20 the exact GELU is one Gelu node.
 */
function feedForward(
  c: UnetBuildContext,
  w: WeightScope,
  rows: Value<'float32'>,
  channels: number,
): Value<'float32'> {
  const { b } = c;
  const inner = channels * 4;
  const proj = inScope(b, w, ['net', 0], (pw) =>
    gemmLinear(b, linearWeights(pw, 'proj', { inFeatures: channels, outFeatures: inner * 2 }), rows, 'proj'),
  );
  const [h, gate] = b.opN(
    'Split',
    [proj, b.constInt64([inner, inner])],
    { axis: -1 },
    { dtypes: ['float32', 'float32'] },
  );
  const act = b.opset >= 20 ? b.op('Gelu', [gate]) : gelu(b, gate);
  const gated = b.op('Mul', [h, act]);
  return inScope(b, w, ['net'], (nw) =>
    gemmLinear(b, linearWeights(nw, '2', { inFeatures: inner, outFeatures: channels }), gated, '2'),
  );
}

interface BlockInput {
  readonly rows: Value<'float32'>;
  readonly channels: number;
  readonly featureSize: () => Value<'int64'>;
}

function basicTransformerBlock(c: UnetBuildContext, w: WeightScope, input: BlockInput): Value<'float32'> {
  const { b } = c;
  const { channels, featureSize } = input;
  const path = b.scopePath;
  const layer = (name: 'attn1' | 'attn2', n: Value<'float32'>) =>
    inScope(b, w, [name], (aw) =>
      attentionLayer(b, aw, c.attention, {
        point: pointAt(c, `${path}.${name}`),
        hiddenRows: n,
        cross: name === 'attn2' ? { context: c.context, rows: c.contextRows } : undefined,
        batch: c.batch,
        featureSize,
      }),
    );
  let h = input.rows;
  h = b.op('Add', [layer('attn1', layerNorm(b, normWeights(w, 'norm1', channels), h, { name: 'norm1' })), h]);
  h = b.op('Add', [layer('attn2', layerNorm(b, normWeights(w, 'norm2', channels), h, { name: 'norm2' })), h]);
  const n3 = layerNorm(b, normWeights(w, 'norm3', channels), h, { name: 'norm3' });
  return b.op('Add', [inScope(b, w, ['ff'], (fw) => feedForward(c, fw, n3, channels)), h]);
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
  const projIn = convWeights(w, 'proj_in', { inChannels: C, outChannels: C, kernel: 1 });
  h = withConvDeltas(b, projIn, h, conv2d(b, projIn, h, { name: 'proj_in' }), { name: 'proj_in' });
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
  let rows = b.op('Reshape', [nhwc, b.constInt64([-1, C])]);
  for (let t = 0; t < o.depth; t++) {
    const input = { rows, channels: C, featureSize };
    rows = inScope(b, w, ['transformer_blocks', t], (tw) => basicTransformerBlock(c, tw, input));
  }
  const spatial = b.op('Reshape', [rows, b.op('Shape', [nhwc], {}, { dtype: 'int64' })]);
  h = b.op('Transpose', [spatial], { perm: [0, 3, 1, 2] });
  const projOut = convWeights(w, 'proj_out', { inChannels: C, outChannels: C, kernel: 1 });
  h = withConvDeltas(b, projOut, h, conv2d(b, projOut, h, { name: 'proj_out' }), { name: 'proj_out' });
  return b.op('Add', [h, x]);
}
