/**
 * @module
 * A Linear layer that is either float (`linear`: MatMul with the weight stored transposed) or
 * weight-only block quantized (`matmulNBits`), chosen per model by a `WeightQuantization` value, so
 * a block builder takes the choice as data instead of branching on it.
 */
import type { LinearOptions, LinearWeights } from './linear';
import { linear } from './linear';
import { matmulNBits, type QuantBits, quantizeBlockwise } from './matmul-nbits';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** How a model's Linear weights are stored in the graph. */
export type WeightQuantization =
  | { readonly kind: 'float' }
  | {
      readonly kind: 'nbits';
      readonly bits: QuantBits;
      readonly blockSize: number;
      /** See `MatMulNBitsOptions.accuracyLevel`. */
      readonly accuracyLevel: 0 | 1 | 4;
    };

/** No quantization: float32 weights. */
export const FLOAT_WEIGHTS: WeightQuantization = Object.freeze({ kind: 'float' });

/**
 * `torch.nn.Linear` on x [..., in] with the weight stored as `quantization` says; a bias stays float.
 * @example
 * const q = quantizedLinear(b, { weight }, h, { quantization: { kind: 'nbits', bits: 4, blockSize: 32, accuracyLevel: 4 }, name: 'q_proj' });
 */
export function quantizedLinear(
  b: OnnxBuilder,
  w: LinearWeights<'float32'>,
  x: Value<'float32'>,
  o: LinearOptions & { readonly quantization: WeightQuantization },
): Value<'float32'> {
  const q = o.quantization;
  if (q.kind === 'float') return linear(b, w, x, o);
  const emit = (): Value<'float32'> => {
    const y = matmulNBits(b, quantizeBlockwise(w.weight, q), x, { accuracyLevel: q.accuracyLevel });
    return w.bias === undefined ? y : b.op('Add', [y, b.initializer('bias', w.bias)], {}, { shape: y.shape });
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
