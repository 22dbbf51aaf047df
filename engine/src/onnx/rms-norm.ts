/**
 * @module
 * LLaMA's `RMSNorm` (T5's LayerNorm without mean or bias): `weight * x / sqrt(mean(x²) + eps)` over
 * the last axis. Emitted as Pow -> ReduceMean -> Add -> Sqrt -> Div -> Mul, the pattern onnxruntime's
 * optimizer fuses into one SimplifiedLayerNormalization kernel.
 */
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor/tensor';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import { reduce } from './reduce';
import type { Value } from './value';

/** The scale, [features]. */
export interface RmsNormWeights<D extends FloatDType = FloatDType> {
  readonly weight: Tensor<D>;
}

/** Options of `rmsNorm`. */
export interface RmsNormOptions {
  /** LLaMA configs give `rms_norm_eps` (1e-5 or 1e-6). */
  readonly eps: number;
  readonly name?: string;
}

/**
 * RMS normalization of `x` over its last axis, scaled by `w.weight`.
 * @example
 * const h = rmsNorm(b, { weight: w.take('input_layernorm.weight', [4096]) }, x, { eps: 1e-5, name: 'input_layernorm' });
 */
export function rmsNorm<D extends FloatDType>(
  b: OnnxBuilder,
  w: RmsNormWeights<D>,
  x: Value<D>,
  o: RmsNormOptions,
): Value<D> {
  const emit = (): Value<D> => {
    const n = w.weight.shape[0];
    const last = x.shape?.at(-1);
    if (w.weight.rank !== 1 || (typeof last === 'number' && last !== n)) {
      throw new EngineError(
        'shape_mismatch',
        `'${b.scopedName('weight')}' has shape [${w.weight.shape.join(', ')}], '${x.name}' has ${last} features`,
      );
    }
    const meanSquare = reduce(b, 'ReduceMean', b.op('Pow', [x, b.constFloat(x.dtype, 2)]), [-1]);
    const rms = b.op('Sqrt', [b.op('Add', [meanSquare, b.constFloat(x.dtype, o.eps)])]);
    const normed = b.op('Div', [x, rms]);
    return b.op('Mul', [normed, b.initializer('weight', w.weight)], {}, { shape: x.shape });
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
