/**
 * @module
 * `torch.nn.LayerNorm` over the last axis as one LayerNormalization node (opset 17+).
 */
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor/tensor';
import { attrFloat } from './attributes';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Affine parameters, [features] each; leave out for `elementwise_affine=False`. */
export interface LayerNormWeights<D extends FloatDType = FloatDType> {
  readonly weight?: Tensor<D> | undefined;
  readonly bias?: Tensor<D> | undefined;
}

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Default 1e-5, torch's default. */
  readonly eps?: number;
  /** Feature count; needed only without weights and without a static last dim on `x`. */
  readonly features?: number;
  readonly name?: string;
}

/**
 * Layer normalization of `x` over its last axis.
 * @example
 * const h = layerNorm(b, w, x, { name: 'norm1' });
 */
export function layerNorm<D extends FloatDType>(
  b: OnnxBuilder,
  w: LayerNormWeights<D>,
  x: Value<D>,
  o: LayerNormOptions = {},
): Value<D> {
  const emit = (): Value<D> => {
    const n = w.weight?.shape[0] ?? w.bias?.shape[0] ?? o.features ?? x.shape?.at(-1);
    if (typeof n !== 'number') {
      throw new EngineError(
        'unknown_dim',
        `layerNorm on '${x.name}' needs weights, 'features' or a static last dim`,
      );
    }
    const scale =
      w.weight === undefined
        ? b.constFloat(x.dtype, new Array<number>(n).fill(1))
        : b.initializer('weight', w.weight);
    const inputs: Value<D>[] = [x, scale];
    if (w.bias !== undefined) inputs.push(b.initializer('bias', w.bias));
    return b.op(
      'LayerNormalization',
      inputs as [Value<D>, ...Value<D>[]],
      { axis: -1, epsilon: attrFloat(o.eps ?? 1e-5) },
      { shape: x.shape },
    );
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
