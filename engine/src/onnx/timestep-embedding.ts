/**
 * @module
 * Sinusoidal timestep embedding with diffusers `get_timestep_embedding` semantics
 * (diffusers `models/embeddings.py`): `freq_i = exp(-ln(max_period) * i / (half - shift))`,
 * `emb = [sin(t * freq * scale), cos(t * freq * scale)]`, halves swapped when `flipSinToCos`,
 * zero-padded by one column when `dim` is odd. SD1.5's UNet uses dim 320, flip true, shift 0.
 */
import { EngineError } from '../errors/engine-error';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Options of `timestepEmbedding`, named as diffusers names them. */
export interface TimestepEmbeddingOptions {
  readonly dim: number;
  /** Default false (diffusers' function default; the SD UNet passes true). */
  readonly flipSinToCos?: boolean;
  /** Default 1 (diffusers' function default; the SD UNet passes 0). */
  readonly downscaleFreqShift?: number;
  readonly scale?: number;
  readonly maxPeriod?: number;
}

/**
 * The frequency table, computed in float32 steps like torch's float32 `arange`/`exp` so graph output
 * matches diffusers to float32 rounding.
 */
export function timestepFrequencies(o: TimestepEmbeddingOptions): Float32Array {
  const half = Math.floor(o.dim / 2);
  const shift = o.downscaleFreqShift ?? 1;
  const logMax = Math.fround(-Math.log(o.maxPeriod ?? 10000));
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    freqs[i] = Math.exp(Math.fround(Math.fround(logMax * i) / (half - shift)));
  }
  return freqs;
}

/**
 * Embed `t` [B] (float timesteps) to [B, dim].
 * @example
 * const temb = timestepEmbedding(b, t, { dim: 320, flipSinToCos: true, downscaleFreqShift: 0 });
 */
export function timestepEmbedding<D extends FloatDType>(
  b: OnnxBuilder,
  t: Value<D>,
  o: TimestepEmbeddingOptions,
): Value<D> {
  const half = Math.floor(o.dim / 2);
  if (!Number.isInteger(o.dim) || half < 1 || half === (o.downscaleFreqShift ?? 1)) {
    throw new EngineError(
      'invalid_option',
      `'dim' ${o.dim} must be an integer >= 2 with dim/2 != downscaleFreqShift`,
    );
  }
  const freqs = b.constFloat(t.dtype, Array.from(timestepFrequencies(o)), [1, half]);
  let args = b.op('Mul', [b.op('Unsqueeze', [t, b.constInt64([1])]), freqs]);
  if ((o.scale ?? 1) !== 1) args = b.op('Mul', [args, b.constFloat(t.dtype, o.scale ?? 1)]);
  const sin = b.op('Sin', [args]);
  const cos = b.op('Cos', [args]);
  const batch = t.shape?.[0];
  const halves = o.flipSinToCos === true ? [cos, sin] : [sin, cos];
  const emb = b.op(
    'Concat',
    halves as [Value<D>, Value<D>],
    { axis: -1 },
    {
      shape: batch === undefined ? undefined : [batch, half * 2],
    },
  );
  if (o.dim % 2 === 0) return emb;
  const shape = batch === undefined ? undefined : [batch, o.dim];
  return b.op('Pad', [emb, b.constInt64([0, 0, 0, 1])], { mode: 'constant' }, { shape });
}
