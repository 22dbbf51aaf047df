/**
 * @module
 * A 3x3, stride-1, padding-1 convolution computed with Winograd's minimal filtering F(4x4, 3x3)
 * (Lavin & Gray 2015): each 4x4 output tile costs 36 multiplies per channel pair instead of 144.
 * It pays off where channels are many, so the channel GEMMs dominate the per-pixel transforms: on
 * this project's 2-core AVX-512 machine the SD VAE decoder's 512- and 256-channel resnet convs run
 * 1.3-1.7x faster than onnxruntime's NCHWc direct conv (kernel time per level), while at 128 channels
 * it is a wash.
 *
 * As graph ops, for x [N, I, H, W]:
 * 1. input transform B^T d B of every 6x6 window at stride 4: one grouped Conv (group I, 36 fixed
 *    kernels per channel) -> [N, I*36, ceil(H/4), ceil(W/4)];
 * 2. channel-major to transform-major, so that each of the 36 transform points is one channel block;
 * 3. the channel GEMMs: one grouped 1x1 Conv (group 36) with the transformed weights G g G^T, which
 *    onnxruntime runs in its blocked NCHWc layout; the conv bias rides along on transform point
 *    (1, 1), whose output-transform row is all ones;
 * 4. output transform A^T m A as one MatMul [16, 36], DepthToSpace back to pixels, and a Slice to
 *    H x W when those are not multiples of 4 (or not known when building).
 * F(4x4, 3x3) rounds differently from a direct conv: about 1e-5 relative in float32 here.
 */
import { EngineError } from '../errors/engine-error';
import { Tensor } from '../tensor/tensor';
import { type Conv2dWeights, conv2d } from './conv2d';
import type { OnnxBuilder } from './onnx-builder';
import type { Dim, Value } from './value';

/** Input transform B^T (6x6), interpolation points 0, 1, -1, 2, -2, infinity. */
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
] as const;
/** Kernel transform G (6x3). */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
] as const;
/** Output transform A^T (4x6); its column 1 is all ones, which is where the bias goes. */
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
] as const;
const TILE = 4;
const POINTS = 36;
/** Transform point (1, 1): A^T e_1 = 1 for every output row, so a value there adds to all 16 outputs. */
const BIAS_POINT = 1 * 6 + 1;

/**
 * Transformed weights G g G^T of a [O, I, 3, 3] kernel, as the [36 O, I, 1, 1] weight of a
 * group-36 1x1 conv (transform point major, computed in float64).
 * @example
 * const v = winogradKernel(conv.weight); // [36 * out, in, 1, 1]
 */
export function winogradKernel(weight: Tensor<'float32'>): Tensor<'float32'> {
  const [out = 0, inC = 0] = weight.shape;
  const src = weight.data;
  const dst = new Float32Array(POINTS * out * inC);
  const g = Float64Array.from(G.flat());
  const gg = new Float64Array(18);
  const plane = out * inC;
  for (let pair = 0; pair < plane; pair++) {
    const k = pair * 9;
    // (G g): 6x3, then (G g) G^T: 6x6, written to transform point r * 6 + c of this (out, in) pair.
    for (let r = 0; r < 6; r++) {
      const g0 = g[r * 3]!;
      const g1 = g[r * 3 + 1]!;
      const g2 = g[r * 3 + 2]!;
      for (let c = 0; c < 3; c++)
        gg[r * 3 + c] = g0 * src[k + c]! + g1 * src[k + 3 + c]! + g2 * src[k + 6 + c]!;
    }
    for (let r = 0; r < 6; r++) {
      const a0 = gg[r * 3]!;
      const a1 = gg[r * 3 + 1]!;
      const a2 = gg[r * 3 + 2]!;
      for (let c = 0; c < 6; c++) {
        dst[(r * 6 + c) * plane + pair] = a0 * g[c * 3]! + a1 * g[c * 3 + 1]! + a2 * g[c * 3 + 2]!;
      }
    }
  }
  return new Tensor('float32', [POINTS * out, inC, 1, 1], dst);
}

/** The [36 I, 1, 6, 6] grouped-conv kernel of the input transform (the same 36 kernels per channel). */
function inputTransformKernel(channels: number): Tensor<'float32'> {
  const one = new Float32Array(POINTS * 36);
  for (let r = 0; r < 6; r++) {
    for (let c = 0; c < 6; c++) {
      for (let a = 0; a < 6; a++) {
        for (let b = 0; b < 6; b++) one[(r * 6 + c) * 36 + a * 6 + b] = BT[r]![a]! * BT[c]![b]!;
      }
    }
  }
  const data = new Float32Array(channels * one.length);
  for (let i = 0; i < channels; i++) data.set(one, i * one.length);
  return new Tensor('float32', [POINTS * channels, 1, 6, 6], data);
}

/** The [16, 36] output transform (A^T (x) A^T): output (a, b) from transform point (r, c). */
function outputTransform(): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [TILE * TILE, POINTS]);
  for (let a = 0; a < TILE; a++) {
    for (let b = 0; b < TILE; b++) {
      for (let r = 0; r < 6; r++) {
        for (let c = 0; c < 6; c++) t.data[(a * TILE + b) * POINTS + r * 6 + c] = AT[a]![r]! * AT[b]![c]!;
      }
    }
  }
  return t;
}

/** Per-builder constants shared by every Winograd conv of a graph (keyed by channel count). */
const sharedKernels = new WeakMap<OnnxBuilder, Map<string, Value<'float32'>>>();

function shared(b: OnnxBuilder, key: string, make: () => Tensor<'float32'>): Value<'float32'> {
  let byKey = sharedKernels.get(b);
  if (byKey === undefined) {
    byKey = new Map();
    sharedKernels.set(b, byKey);
  }
  let value = byKey.get(key);
  if (value === undefined) {
    value = b.constant(make(), `winograd_${key}`);
    byKey.set(key, value);
  }
  return value;
}

const multipleOfTile = (d: Dim | undefined): boolean => typeof d === 'number' && d % TILE === 0;

/**
 * `conv2d(x, w, { padding: 1 })` for a [O, I, 3, 3] kernel, by Winograd F(4x4, 3x3); `x` is
 * [N, I, H, W] with any H, W >= 1. Initializers are named `weight.winograd` and `bias.winograd` in
 * the current scope (or under `name`).
 * @throws EngineError `invalid_weight` unless the weight is [O, I, 3, 3] and the bias [O].
 * @example
 * const h = winogradConv3x3(b, { weight, bias }, x, { name: 'conv1' });
 */
export function winogradConv3x3(
  b: OnnxBuilder,
  w: Conv2dWeights<'float32'>,
  x: Value<'float32'>,
  o: { readonly name?: string } = {},
): Value<'float32'> {
  const emit = (): Value<'float32'> => {
    const [out, inC, kh, kw] = w.weight.shape;
    if (w.weight.rank !== 4 || out === undefined || inC === undefined || kh !== 3 || kw !== 3) {
      throw new EngineError(
        'invalid_weight',
        `'${b.scopedName('weight')}' must be [out, in, 3, 3] for a Winograd conv, got [${w.weight.shape.join(', ')}]`,
      );
    }
    if (w.bias !== undefined && (w.bias.rank !== 1 || w.bias.shape[0] !== out)) {
      throw new EngineError(
        'invalid_weight',
        `'${b.scopedName('bias')}' must be [${out}], got [${w.bias.shape.join(', ')}]`,
      );
    }
    let bias: Value<'float32'> | null = null;
    if (w.bias !== undefined) {
      const data = new Float32Array(POINTS * out);
      data.set(w.bias.data, BIAS_POINT * out);
      bias = b.initializer('bias.winograd', new Tensor('float32', [POINTS * out], data));
    }
    const weight = b.initializer('weight.winograd', winogradKernel(w.weight));

    // Bottom/right padding 4 gives ceil(H / 4) tiles for any H; the surplus rows are sliced off.
    const tiles = b.op('Conv', [x, shared(b, `input_transform_${inC}`, () => inputTransformKernel(inC))], {
      kernel_shape: [6, 6],
      strides: [TILE, TILE],
      pads: [1, 1, TILE, TILE],
      group: inC,
    });
    const tileShape = b.op('Shape', [tiles], {}, { dtype: 'int64' }); // [N, 36 I, th, tw]
    const channelMajor = b.op('Reshape', [tiles, b.constInt64([0, inC, POINTS, -1])]);
    const pointMajor = b.op('Reshape', [
      b.op('Transpose', [channelMajor], { perm: [0, 2, 1, 3] }),
      tileShape,
    ]);
    const products = b.op('Conv', [pointMajor, weight, bias], { kernel_shape: [1, 1], group: POINTS });

    const byPoint = b.op('Reshape', [products, b.constInt64([0, POINTS, -1])]); // [N, 36, O th tw]
    const pixels = b.op('MatMul', [shared(b, 'output_transform', outputTransform), byPoint]);
    const batch = b.op('Slice', [tileShape, b.constInt64([0]), b.constInt64([1])], {}, { dtype: 'int64' });
    const grid = b.op('Slice', [tileShape, b.constInt64([2]), b.constInt64([4])], {}, { dtype: 'int64' });
    const blockShape = b.op('Concat', [batch, b.constInt64([TILE * TILE * out]), grid], { axis: 0 });
    const blocks = b.op('Reshape', [pixels, blockShape]);

    const [n, , h, wd] = x.shape ?? [];
    const shape = x.shape === undefined ? undefined : [n ?? 'N', out, h ?? 'H', wd ?? 'W'];
    const exact = multipleOfTile(h) && multipleOfTile(wd);
    const y = b.op('DepthToSpace', [blocks], { blocksize: TILE, mode: 'DCR' }, exact ? { shape } : {});
    if (exact) return y;
    const xShape = b.op('Shape', [x], {}, { dtype: 'int64' });
    const size = b.op('Slice', [xShape, b.constInt64([2]), b.constInt64([4])], {}, { dtype: 'int64' });
    return b.op('Slice', [y, b.constInt64([0, 0]), size, b.constInt64([2, 3])], {}, shape ? { shape } : {});
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}

/** How a model builds its padding-1 3x3 convs: `'auto'` picks per layer by channel counts. */
export type Conv3x3Setting = 'auto' | 'direct' | 'winograd';

/** Channel counts (both in and out) for which `'auto'` uses Winograd. */
export interface WinogradChannelRange {
  readonly min: number;
  readonly max: number;
}

/** Options of `conv3x3`. */
export interface Conv3x3Options {
  readonly name: string;
  readonly setting: Conv3x3Setting;
  /** Where `'auto'` uses Winograd: each model measures its own. */
  readonly auto: WinogradChannelRange;
}

/**
 * A 3x3, stride-1, padding-1 conv by onnxruntime's direct Conv or by `winogradConv3x3`, as `o.setting`
 * and (for `'auto'`) the layer's channel counts say.
 * @example
 * h = conv3x3(b, convWeights(w, 'conv1', shape), h, { name: 'conv1', setting: 'auto', auto: { min: 256, max: 960 } });
 */
export function conv3x3(
  b: OnnxBuilder,
  w: Conv2dWeights<'float32'>,
  x: Value<'float32'>,
  o: Conv3x3Options,
): Value<'float32'> {
  const [out = 0, inC = 0] = w.weight.shape;
  const inRange = Math.min(out, inC) >= o.auto.min && Math.max(out, inC) <= o.auto.max;
  const winograd = o.setting === 'winograd' || (o.setting === 'auto' && inRange);
  return winograd
    ? winogradConv3x3(b, w, x, { name: o.name })
    : conv2d(b, w, x, { padding: 1, name: o.name });
}
