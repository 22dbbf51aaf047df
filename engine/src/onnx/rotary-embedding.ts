/**
 * @module
 * Rotary position embedding (RoPE, Su et al. 2021, arXiv 2104.09864) in the layout of HF LLaMA
 * (`rotate_half`: the two halves of each head are the pair, not adjacent channels). The cos/sin
 * tables are computed in the graph from the sequence length, so one graph serves any prompt length;
 * positions run 0..S-1 (one prefill pass, no cache).
 */
import { EngineError } from '../errors/engine-error';
import { Tensor } from '../tensor/tensor';
import { arange } from './arange';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** cos and sin of every position and channel, [S, 1, headDim] (broadcast over heads). */
export interface RotaryTables {
  readonly cos: Value<'float32'>;
  readonly sin: Value<'float32'>;
  readonly headDim: number;
}

/** Options of `rotaryTables`. */
export interface RotaryTablesOptions {
  readonly headDim: number;
  /** `rope_theta` (10000 for LLaMA 1/2). */
  readonly theta: number;
}

/**
 * transformers' `inv_freq = 1 / theta^(arange(0, dim, 2) / dim)`, rounded to float32 at each step as
 * torch computes it.
 */
function inverseFrequencies(o: RotaryTablesOptions): Float32Array {
  const half = o.headDim / 2;
  return Float32Array.from({ length: half }, (_, i) => {
    const exponent = Math.fround((2 * i) / o.headDim);
    return Math.fround(1 / Math.fround(o.theta ** exponent));
  });
}

/**
 * The tables for positions 0..length-1; `length` is an int64 [1] value (e.g. a Slice of Shape).
 * @example
 * const tokens = b.op('Slice', [b.op('Shape', [x], {}, { dtype: 'int64' }), b.constInt64([1]), b.constInt64([2])]);
 * const rope = rotaryTables(b, tokens, { headDim: 128, theta: 10000 });
 */
export function rotaryTables(b: OnnxBuilder, length: Value<'int64'>, o: RotaryTablesOptions): RotaryTables {
  if (!Number.isInteger(o.headDim) || o.headDim < 2 || o.headDim % 2 !== 0) {
    throw new EngineError('invalid_option', `'headDim' must be a positive even integer, got ${o.headDim}`);
  }
  if (!(o.theta > 0)) throw new EngineError('invalid_option', `'theta' must be positive, got ${o.theta}`);
  return b.scope('rotary', () => {
    const positions = arange(b, length);
    const column = b.op('Unsqueeze', [
      b.op('Cast', [positions], { to: 1 }, { dtype: 'float32' }),
      b.constInt64([1]),
    ]);
    const inv = inverseFrequencies(o);
    const freqs = b.op('Mul', [column, b.constant(new Tensor('float32', [1, inv.length], inv), 'inv_freq')]);
    // [S, 1, dim]: each frequency twice (cat(freqs, freqs)), one row per position.
    const emb = b.op('Unsqueeze', [b.op('Concat', [freqs, freqs], { axis: 1 }), b.constInt64([1])]);
    return { cos: b.op('Cos', [emb]), sin: b.op('Sin', [emb]), headDim: o.headDim };
  });
}

/**
 * `x * cos + rotate_half(x) * sin` per head of x [B, S, heads * headDim].
 * @example
 * const q = applyRotary(b, linear(b, wq, h), rope, { heads: 32 });
 */
export function applyRotary(
  b: OnnxBuilder,
  x: Value<'float32'>,
  tables: RotaryTables,
  o: { readonly heads: number; readonly name?: string },
): Value<'float32'> {
  const emit = (): Value<'float32'> => {
    const d = tables.headDim;
    const half = d / 2;
    const heads = b.op('Reshape', [x, b.constInt64([0, 0, o.heads, d])]);
    const [x1, x2] = b.opN(
      'Split',
      [heads, b.constInt64([half, half])],
      { axis: -1 },
      {
        dtypes: ['float32', 'float32'],
      },
    );
    const rotated = b.op('Concat', [b.op('Neg', [x2]), x1], { axis: -1 });
    const out = b.op('Add', [b.op('Mul', [heads, tables.cos]), b.op('Mul', [rotated, tables.sin])]);
    return b.op('Reshape', [out, b.constInt64([0, 0, -1])], {}, { shape: x.shape });
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
