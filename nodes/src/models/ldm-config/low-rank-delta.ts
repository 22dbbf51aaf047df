/**
 * @module
 * The weight-patch seam for low-rank deltas (LoRA, LyCORIS LoCon): a layer whose weight `W` carries
 * deltas computes `y = x W^T + b + sum_i s_i * ((x down_i^T) up_i^T) * alpha_i / rank_i` as unmerged
 * branches beside the untouched main op, with each `s_i` a graph input (PEFT's unmerged form). So one
 * compiled graph serves every strength: changing a LoRA's strength changes a feed, not the graph, and
 * the base layer keeps its fused / prepacked / Winograd kernels. A conv delta is a conv with `down`'s
 * kernel, stride and padding followed by a 1x1 conv with `up` (LoCon's Tucker form puts its `mid`
 * kernel between two 1x1 convs), which is `conv(x, W + s * up @ down)` by linearity.
 *
 * While a graph is built, `LowRankInputs` declares each strength input once and records which weights
 * had their deltas applied, so a delta on a layer no builder patches is an error instead of a silent
 * no-op.
 */
import type { Conv2dWeights, LinearWeights, OnnxBuilder, Value } from '@momaflow/engine';
import { EngineError, Tensor } from '@momaflow/engine';

/** A low-rank delta on one weight (a linear [out, in] or a conv [out, in, kh, kw]). */
export interface LowRankDelta {
  /** [rank, in] for a linear, [rank, in, kh, kw] for a conv ([rank, in, 1, 1] with `mid`). */
  readonly down: Tensor<'float32'>;
  /** [out, rank] for a linear, [out, rank, 1, 1] for a conv. */
  readonly up: Tensor<'float32'>;
  /** LoCon's Tucker core [rank, rank, kh, kw]. */
  readonly mid?: Tensor<'float32'>;
  /** `alpha / rank`, or 1 when the file gives no alpha. */
  readonly scale: number;
  /** The graph input (float [1]) holding this delta's strength, shared by every delta of one application. */
  readonly strength: string;
}

/** The graph values of one delta, created once per layer and used by every application of it. */
interface DeltaValues {
  readonly down: Value<'float32'>;
  readonly up: Value<'float32'>;
  readonly mid: Value<'float32'> | undefined;
  readonly strength: Value<'float32'>;
  readonly kernel: readonly [number, number];
}

/** A layer's deltas as graph values (see `LowRankInputs.bind`). */
export interface LowRankBinding {
  readonly deltas: readonly DeltaValues[];
}

/** Binds a weight's deltas under the builder's current scope: call it inside the layer's scope. */
export type LowRankBinder = () => LowRankBinding;

const STRENGTH_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Per-build bookkeeping: strength inputs (declared on first use) and the weights whose deltas were
 * bound to a layer.
 * @example
 * const lowRank = new LowRankInputs(b, weights.deltas());
 * // ... build; layer helpers call lowRank.bind(key) ...
 * lowRank.assertAllBound('unet.onnx'); io.weightInputs = lowRank.inputNames;
 */
export class LowRankInputs {
  readonly #b: OnnxBuilder;
  readonly #deltas: ReadonlyMap<string, readonly LowRankDelta[]>;
  readonly #inputs = new Map<string, Value<'float32'>>();
  readonly #bound = new Set<string>();

  constructor(b: OnnxBuilder, deltas: ReadonlyMap<string, readonly LowRankDelta[]>) {
    this.#b = b;
    this.#deltas = deltas;
  }

  /** Strength inputs declared so far, in declaration order. */
  get inputNames(): string[] {
    return [...this.#inputs.keys()];
  }

  /** The deltas of weight `key` as graph values under the builder's current scope (`<layer>.lora_<i>.*`). */
  bind(key: string): LowRankBinding {
    const deltas = this.#deltas.get(key) ?? [];
    if (this.#bound.has(key)) {
      throw new EngineError('weight_delta_rebound', `the deltas of '${key}' were bound twice in one graph`);
    }
    this.#bound.add(key);
    const b = this.#b;
    return {
      deltas: deltas.map((d, i) =>
        b.scope(`lora_${i}`, () => {
          // alpha / rank folds into `up` once here rather than into a Mul on every call.
          const up =
            d.scale === 1
              ? d.up
              : new Tensor(
                  'float32',
                  d.up.shape,
                  d.up.data.map((v) => v * d.scale),
                );
          return {
            down: b.initializer('down', d.down),
            up: b.initializer('up', up),
            mid: d.mid === undefined ? undefined : b.initializer('mid', d.mid),
            strength: this.#strength(d.strength),
            kernel: kernelOf(d),
          };
        }),
      ),
    };
  }

  /**
   * Throw when a weight's deltas were never bound (its layer is built by code without the seam).
   * @throws EngineError `weight_delta_unused` naming the weights.
   */
  assertAllBound(graph: string): void {
    const unused = [...this.#deltas.keys()].filter((k) => !this.#bound.has(k));
    if (unused.length > 0) {
      throw new EngineError(
        'weight_delta_unused',
        `${graph}: no layer applies the low-rank deltas of ${unused.map((k) => `'${k}'`).join(', ')}`,
        { keys: unused },
      );
    }
  }

  #strength(name: string): Value<'float32'> {
    const known = this.#inputs.get(name);
    if (known !== undefined) return known;
    if (!STRENGTH_NAME.test(name)) {
      throw new EngineError(
        'invalid_name',
        `strength input '${name}' must be letters, digits, '_', '.', '-'`,
      );
    }
    const value = this.#b.input(name, 'float32', [1]);
    this.#inputs.set(name, value);
    return value;
  }
}

function kernelOf(d: LowRankDelta): readonly [number, number] {
  const source = d.mid ?? d.down;
  return source.rank === 4 ? [source.shape[2] ?? 1, source.shape[3] ?? 1] : [1, 1];
}

/** `[rows, k] @ w^T` for `w` [out, k] (or [out, k, 1, 1] viewed as 2-D). */
function gemmT(
  b: OnnxBuilder,
  x: Value<'float32'>,
  w: Value<'float32'>,
  c?: Value<'float32'>,
): Value<'float32'> {
  const w2 = w.shape?.length === 2 ? w : b.op('Flatten', [w], { axis: 1 });
  return b.op('Gemm', c === undefined ? [x, w2] : [x, w2, c], { transB: 1 });
}

/**
 * `y` plus the deltas' branches for a linear layer on rows `x` [rows, in] -> `y` [rows, out].
 * @example
 * const out = addLowRankRows(b, binding, rows, b.op('Gemm', [rows, weight, bias], { transB: 1 }));
 */
export function addLowRankRows(
  b: OnnxBuilder,
  binding: LowRankBinding,
  x: Value<'float32'>,
  y: Value<'float32'>,
): Value<'float32'> {
  return binding.deltas.reduce(
    (acc, d) => gemmT(b, b.op('Mul', [gemmT(b, x, d.down), d.strength]), d.up, acc),
    y,
  );
}

/**
 * `y` plus the deltas' branches for a linear layer on `x` [..., in] (any rank) -> `y` [..., out].
 * @example
 * const q = addLowRankTokens(b, binding, x, linear(b, weights, x, { name: 'q_proj' }));
 */
export function addLowRankTokens(
  b: OnnxBuilder,
  binding: LowRankBinding,
  x: Value<'float32'>,
  y: Value<'float32'>,
): Value<'float32'> {
  const transposed = (w: Value<'float32'>) =>
    b.op('Transpose', [w.shape?.length === 2 ? w : b.op('Flatten', [w], { axis: 1 })], { perm: [1, 0] });
  return binding.deltas.reduce((acc, d) => {
    const low = b.op('Mul', [b.op('MatMul', [x, transposed(d.down)]), d.strength]);
    return b.op('Add', [acc, b.op('MatMul', [low, transposed(d.up)])]);
  }, y);
}

/** Geometry of the conv whose output gets the deltas. */
export interface LowRankConvOptions {
  readonly stride?: number;
  readonly padding?: number;
}

/** `w` as a conv kernel: a linear delta factor [r, in] on a 1x1 conv becomes [r, in, 1, 1]. */
function asKernel(b: OnnxBuilder, w: Value<'float32'>): Value<'float32'> {
  return w.shape?.length === 4 ? w : b.op('Unsqueeze', [w, b.constInt64([2, 3])]);
}

function conv(
  b: OnnxBuilder,
  x: Value<'float32'>,
  w: Value<'float32'>,
  kernel: readonly [number, number],
  o: LowRankConvOptions,
): Value<'float32'> {
  const s = o.stride ?? 1;
  const p = o.padding ?? 0;
  return b.op('Conv', [x, asKernel(b, w)], {
    kernel_shape: [...kernel],
    strides: [s, s],
    pads: [p, p, p, p],
  });
}

/**
 * `y` plus the deltas' branches for a conv layer on `x` [N, in, H, W] with the main conv's stride and
 * padding (its kernel size is the delta's own).
 * @example
 * const h = addLowRankConv(b, binding, x, conv2d(b, weights, x, { stride: 2, padding: 1 }), { stride: 2, padding: 1 });
 */
export function addLowRankConv(
  b: OnnxBuilder,
  binding: LowRankBinding,
  x: Value<'float32'>,
  y: Value<'float32'>,
  o: LowRankConvOptions,
): Value<'float32'> {
  return binding.deltas.reduce((acc, d) => {
    const low =
      d.mid === undefined
        ? conv(b, x, d.down, d.kernel, o)
        : conv(b, conv(b, x, d.down, [1, 1], {}), d.mid, d.kernel, o);
    const scaled = b.op('Mul', [low, d.strength]);
    return b.op('Add', [acc, conv(b, scaled, d.up, [1, 1], {})]);
  }, y);
}

/** A linear layer's weights with the low-rank deltas of its weight, if it has any. */
export type PatchedLinearWeights = LinearWeights<'float32'> & {
  readonly lowRank?: LowRankBinder | undefined;
};

/** A conv layer's weights with the low-rank deltas of its weight, if it has any. */
export type PatchedConvWeights = Conv2dWeights<'float32'> & { readonly lowRank?: LowRankBinder | undefined };

/**
 * `y`, the output of the conv `name` on `x`, plus the deltas `w` carries (bound under scope `name`).
 * @example
 * const h = withConvDeltas(b, weights, x, conv2d(b, weights, x, { padding: 1, name: 'conv_in' }), { name: 'conv_in', padding: 1 });
 */
export function withConvDeltas(
  b: OnnxBuilder,
  w: PatchedConvWeights,
  x: Value<'float32'>,
  y: Value<'float32'>,
  o: LowRankConvOptions & { readonly name: string },
): Value<'float32'> {
  const bind = w.lowRank;
  return bind === undefined ? y : b.scope(o.name, () => addLowRankConv(b, bind(), x, y, o));
}

/**
 * `y`, the output of the linear layer `name` on `x` [..., in], plus the deltas `w` carries.
 * @example
 * const q = withLinearDeltas(b, weights, x, linear(b, weights, x, { name: 'q_proj' }), 'q_proj');
 */
export function withLinearDeltas(
  b: OnnxBuilder,
  w: PatchedLinearWeights,
  x: Value<'float32'>,
  y: Value<'float32'>,
  name: string,
): Value<'float32'> {
  const bind = w.lowRank;
  return bind === undefined ? y : b.scope(name, () => addLowRankTokens(b, bind(), x, y));
}
