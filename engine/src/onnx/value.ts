/**
 * @module
 * Handles to values of a graph under construction. A `Value` is only a name with a dtype (and a shape
 * where the builder knows one); the builder that made it is the only one that accepts it.
 */
import type { DType } from '../tensor/tensor';

/** A static dimension (a non-negative integer) or a symbolic one (`'batch'`, `'tokens'`). */
export type Dim = number | string;

/**
 * A tensor-valued edge of the graph: a graph input, an initializer or a node output.
 * @example
 * const x: Value<'float32'> = b.input('x', 'float32', ['batch', 77, 768]);
 */
export interface Value<D extends DType = DType> {
  /** Unique name in the graph (ONNX value namespace). */
  readonly name: string;
  readonly dtype: D;
  /** Known dimensions, or `undefined` when the builder did not track them (most node outputs). */
  readonly shape: readonly Dim[] | undefined;
}
