/**
 * @module
 * `torch.nn.Linear` as MatMul + Add. Torch stores the weight as [out, in]; it is transposed once at
 * build time to [in, out] so the graph multiplies `x @ W` with no Transpose node at run time.
 */
import { EngineError } from '../errors/engine-error';
import type { DataTypeMap } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Weights of one linear layer, in checkpoint layout. */
export interface LinearWeights<D extends FloatDType = FloatDType> {
  /** [out_features, in_features], as in torch and safetensors. */
  readonly weight: Tensor<D>;
  /** [out_features]. */
  readonly bias?: Tensor<D> | undefined;
}

/** Options of `linear`. */
export interface LinearOptions {
  /** Scope to emit the layer under (e.g. `'to_q'`), so initializers read `to_q.weight`. */
  readonly name?: string;
}

/** [rows, cols] -> [cols, rows] for any element type. */
function transpose2d<D extends FloatDType>(t: Tensor<D>): Tensor<D> {
  const [rows, cols] = t.shape as [number, number];
  const src = t.data;
  const dst = new (src.constructor as new (n: number) => DataTypeMap[D])(src.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
  }
  return new Tensor(t.dtype, [cols, rows], dst);
}

/**
 * y = x W^T + b over the last axis of `x` (any rank >= 2). The initializer `weight` holds the
 * transposed matrix [in, out]; its name still is the checkpoint key.
 * @example
 * const q = linear(b, { weight: w['to_q.weight'] }, x, { name: 'to_q' });
 */
export function linear<D extends FloatDType>(
  b: OnnxBuilder,
  w: LinearWeights<D>,
  x: Value<D>,
  o: LinearOptions = {},
): Value<D> {
  const emit = (): Value<D> => {
    const [outF, inF] = w.weight.shape;
    if (w.weight.rank !== 2 || outF === undefined || inF === undefined) {
      throw new EngineError(
        'invalid_weight',
        `'${b.scopedName('weight')}' must be [out, in], got [${w.weight.shape.join(', ')}]`,
      );
    }
    const last = x.shape?.at(-1);
    if (typeof last === 'number' && last !== inF) {
      throw new EngineError(
        'shape_mismatch',
        `'${b.scopedName('weight')}' expects ${inF} input features, '${x.name}' has ${last}`,
      );
    }
    if (w.bias !== undefined && (w.bias.rank !== 1 || w.bias.shape[0] !== outF)) {
      throw new EngineError(
        'invalid_weight',
        `'${b.scopedName('bias')}' must be [${outF}], got [${w.bias.shape.join(', ')}]`,
      );
    }
    const shape = x.shape === undefined ? undefined : [...x.shape.slice(0, -1), outF];
    const weight = b.initializer('weight', transpose2d(w.weight));
    const mm = b.op('MatMul', [x, weight], {}, w.bias === undefined ? { shape } : {});
    if (w.bias === undefined) return mm;
    return b.op('Add', [mm, b.initializer('bias', w.bias)], {}, { shape });
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
