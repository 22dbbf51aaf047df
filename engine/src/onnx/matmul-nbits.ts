/**
 * @module
 * Weight-only block quantization for onnxruntime's `com.microsoft.MatMulNBits`: a [N, K] torch
 * Linear weight becomes `bits`-bit codes in blocks of `blockSize` along K, one float scale and one
 * zero point per block (asymmetric, the zero kept exactly representable, as MLAS's own quantizer
 * does). Layout as the op reads it: B [N, K / blockSize, blockSize * bits / 8] uint8 with, for 4
 * bits, element 2i in the low nibble and 2i+1 in the high one; scales [N * blocks] float32;
 * zero points packed the same way, each row padded to whole bytes. The matmul dequantizes
 * `(q - zero_point) * scale` block by block, or with accuracy level 4 runs int8 kernels on
 * activations quantized on the fly.
 */
import { EngineError } from '../errors/engine-error';
import { Tensor } from '../tensor/tensor';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Code widths MatMulNBits runs on the CPU with packed kernels. */
export type QuantBits = 4 | 8;

/** How to quantize a weight. */
export interface BlockQuantOptions {
  readonly bits: QuantBits;
  /** Power of two, at least 16; K is padded with zeros to a whole number of blocks. */
  readonly blockSize: number;
}

/** A block-quantized [N, K] weight in MatMulNBits layout. */
export interface BlockQuantized extends BlockQuantOptions {
  /** Output features. */
  readonly n: number;
  /** Input features (before padding). */
  readonly k: number;
  /** [N, blocks, blockSize * bits / 8]. */
  readonly data: Tensor<'uint8'>;
  /** [N * blocks]. */
  readonly scales: Tensor<'float32'>;
  /** [N * ceil(blocks * bits / 8)]. */
  readonly zeroPoints: Tensor<'uint8'>;
}

/** Options of `matmulNBits`. */
export interface MatMulNBitsOptions {
  /**
   * onnxruntime's `accuracy_level`: 0/1 multiply in float32, 4 quantizes activations to int8 per
   * block and uses integer dot products (AVX-VNNI / AVX512-VNNI where present).
   */
  readonly accuracyLevel: 0 | 1 | 4;
  /** Scope of the initializers (`q_proj` -> `q_proj.weight`, `q_proj.weight_scales`...). */
  readonly name?: string;
}

function checkOptions(o: BlockQuantOptions): void {
  if (o.bits !== 4 && o.bits !== 8)
    throw new EngineError('invalid_option', `'bits' must be 4 or 8, got ${o.bits}`);
  if (!Number.isInteger(o.blockSize) || o.blockSize < 16 || (o.blockSize & (o.blockSize - 1)) !== 0) {
    throw new EngineError('invalid_option', `'blockSize' must be a power of two >= 16, got ${o.blockSize}`);
  }
}

/**
 * Quantize a torch Linear weight [out, in] (= [N, K]).
 * @example
 * const q = quantizeBlockwise(w['q_proj.weight'], { bits: 4, blockSize: 32 });
 */
export function quantizeBlockwise(weight: Tensor<'float32'>, o: BlockQuantOptions): BlockQuantized {
  checkOptions(o);
  const [n = 0, k = 0] = weight.shape;
  if (weight.rank !== 2 || n === 0 || k === 0) {
    throw new EngineError(
      'invalid_weight',
      `a quantized weight must be [out, in], got [${weight.shape.join(', ')}]`,
    );
  }
  const { bits, blockSize } = o;
  const blocks = Math.ceil(k / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpRow = Math.ceil((blocks * bits) / 8);
  const qmax = (1 << bits) - 1;
  const src = weight.data;
  const data = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zeroPoints = new Uint8Array(n * zpRow);
  // Codes of one block before packing; the hot loop stays free of calls (7.5 G weights for a 7B model).
  const codes = new Uint8Array(blockSize);
  for (let row = 0; row < n; row++) {
    const rowBase = row * k;
    for (let blk = 0; blk < blocks; blk++) {
      const start = rowBase + blk * blockSize;
      const end = Math.min(start + blockSize, rowBase + k);
      // Zero stays in range, so zero weights (and K padding) come back exactly zero.
      let lo = 0;
      let hi = 0;
      for (let i = start; i < end; i++) {
        const v = src[i]!;
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      const scale = (hi - lo) / qmax;
      const inv = scale === 0 ? 0 : 1 / scale;
      const zp = scale === 0 ? 0 : Math.min(qmax, Math.max(0, Math.round(-lo * inv)));
      scales[row * blocks + blk] = scale;
      // round(v / scale) + zp as floor(v / scale + zp + 0.5): the same for an integer zp; padding past K is zp.
      const shifted = zp + 0.5;
      let j = 0;
      for (let i = start; i < end; i++, j++) {
        const q = (src[i]! * inv + shifted) | 0;
        codes[j] = Math.min(Math.max(q, 0), qmax);
      }
      codes.fill(zp, j);
      const out = (row * blocks + blk) * blob;
      if (bits === 8) {
        data.set(codes, out);
        zeroPoints[row * zpRow + blk] = zp;
      } else {
        for (let c = 0; c < blob; c++) data[out + c] = codes[2 * c]! | (codes[2 * c + 1]! << 4);
        zeroPoints[row * zpRow + (blk >> 1)]! |= zp << ((blk & 1) << 2);
      }
    }
  }
  return {
    bits,
    blockSize,
    n,
    k,
    data: new Tensor('uint8', [n, blocks, blob], data),
    scales: new Tensor('float32', [n * blocks], scales),
    zeroPoints: new Tensor('uint8', [n * zpRow], zeroPoints),
  };
}

/**
 * The float weight [N, K] a quantized weight stands for (what the kernels multiply by).
 * @example
 * const error = maxAbsDiff(dequantizeBlockwise(q).data, weight.data);
 */
export function dequantizeBlockwise(q: BlockQuantized): Tensor<'float32'> {
  const { n, k, bits, blockSize } = q;
  const blocks = Math.ceil(k / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpRow = Math.ceil((blocks * bits) / 8);
  const out = new Float32Array(n * k);
  const code = (bytes: Uint8Array, at: number, j: number) =>
    bits === 8 ? bytes[at + j]! : (bytes[at + (j >> 1)]! >> ((j & 1) << 2)) & 0xf;
  for (let row = 0; row < n; row++) {
    for (let i = 0; i < k; i++) {
      const blk = Math.floor(i / blockSize);
      const zp = code(q.zeroPoints.data, row * zpRow, blk);
      const value = code(q.data.data, (row * blocks + blk) * blob, i % blockSize);
      out[row * k + i] = (value - zp) * q.scales.data[row * blocks + blk]!;
    }
  }
  return new Tensor('float32', [n, k], out);
}

/**
 * `x @ Wᵀ` for x [..., K] with a block-quantized W, as one MatMulNBits node.
 * @example
 * const q = matmulNBits(b, quantizeBlockwise(weight, { bits: 8, blockSize: 128 }), x, { accuracyLevel: 4, name: 'q_proj' });
 */
export function matmulNBits(
  b: OnnxBuilder,
  q: BlockQuantized,
  x: Value<'float32'>,
  o: MatMulNBitsOptions,
): Value<'float32'> {
  const emit = (): Value<'float32'> => {
    const last = x.shape?.at(-1);
    if (typeof last === 'number' && last !== q.k) {
      throw new EngineError(
        'shape_mismatch',
        `'${b.scopedName('weight')}' expects ${q.k} input features, '${x.name}' has ${last}`,
      );
    }
    const shape = x.shape === undefined ? undefined : [...x.shape.slice(0, -1), q.n];
    return b.op(
      'MatMulNBits',
      [
        x,
        b.initializer('weight', q.data),
        b.initializer('weight_scales', q.scales),
        b.initializer('weight_zero_points', q.zeroPoints),
      ],
      { K: q.k, N: q.n, bits: q.bits, block_size: q.blockSize, accuracy_level: o.accuracyLevel },
      { domain: 'com.microsoft', shape },
    );
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
