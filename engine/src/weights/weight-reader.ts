/**
 * @module
 * The interface every weight-file reader implements (safetensors, torch zip-pickle). Readers are lazy:
 * opening parses only the header / index, and each `read` fetches one tensor's bytes from disk.
 */
import type { Tensor } from '../tensor';

/** Element types a weight file may hold, spelled as safetensors spells them. */
export type WeightDType = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL' | 'F64';

/** Name, element type and shape of one stored tensor, known without reading its data. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
}

/** A tensor as a reader returns it: floating types widen to float32, integer and bool types to int64. */
export type WeightTensor = Tensor<'float32'> | Tensor<'int64'>;

/**
 * Random access to the tensors of one weight file.
 * @example
 * const w = await openWeights('models/unet.safetensors');
 * try {
 *   const conv = await w.readFloat32('conv_in.weight');
 * } finally {
 *   await w.close();
 * }
 */
export interface WeightReader {
  /** The file this reader was opened on, as given. */
  readonly path: string;
  /** All tensor names, sorted. */
  keys(): string[];
  has(name: string): boolean;
  info(name: string): TensorInfo | undefined;
  /** Reads one tensor: F32/F16/BF16/F64 as float32, I64/I32/U8/BOOL as int64. */
  read(name: string): Promise<WeightTensor>;
  /** Reads one floating-point tensor as float32; rejects with `weight_not_float` for integer tensors. */
  readFloat32(name: string): Promise<Tensor<'float32'>>;
  /** Releases the file handle; later reads reject with `weight_reader_closed`. */
  close(): Promise<void>;
}

/** Whether a stored element type is a floating-point type (read as float32). */
export function isFloatDType(dtype: WeightDType): boolean {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
}
