/**
 * @module
 * How each part of a LLaVA graph stores its weights at a chosen precision. The language model's
 * Linear layers take the chosen width, except that int4 keeps `v_proj`, `o_proj` and `down_proj` at
 * 8 bits (as llama.cpp's Q4_K_M keeps attn_v and ffn_down wider): one at a time those three remove
 * the most error per byte, and without them round-to-nearest 4-bit weights stay under the 0.99
 * cosine bound (quantization-error.test.ts has the measured table); that costs 77% of int8's
 * language weight bytes instead of 62%. v and o alone (68%) reach 0.998 / 0.997 at the real width
 * (test/bench/mllm.ts `error`) but only 0.986 on the test's narrower model's image-prompt tokens. The vision tower stays at int8 even for int4 (it is 4% of
 * the parameters and reads the image the adapter depends on); the projector stays float32 and the
 * token embedding table float16 (a lookup, no compute). Block sizes and accuracy level are the
 * measured choices (see test/bench/mllm.ts).
 */
import { FLOAT_WEIGHTS, type WeightQuantization } from '@momaflow/engine';
import { type LlamaConfig, type LlamaQuantization, llamaLayerParameters, llamaQuantization } from '../llama';

/** The precisions MLLMLoader offers. */
export const LLAVA_PRECISIONS = ['fp32', 'int8', 'int4'] as const;
export type LlavaPrecision = (typeof LLAVA_PRECISIONS)[number];

/** Weight storage of each part of the graphs. */
export interface LlavaQuantization {
  readonly precision: LlavaPrecision;
  readonly language: LlamaQuantization;
  readonly vision: WeightQuantization;
  readonly embedTable: 'float32' | 'float16';
}

const INT8: WeightQuantization = { kind: 'nbits', bits: 8, blockSize: 128, accuracyLevel: 4 };
const INT4: WeightQuantization = { kind: 'nbits', bits: 4, blockSize: 32, accuracyLevel: 4 };

const PLANS = {
  fp32: {
    precision: 'fp32',
    language: llamaQuantization(FLOAT_WEIGHTS),
    vision: FLOAT_WEIGHTS,
    embedTable: 'float32',
  },
  int8: { precision: 'int8', language: llamaQuantization(INT8), vision: INT8, embedTable: 'float16' },
  int4: {
    precision: 'int4',
    language: llamaQuantization(INT4, { v_proj: INT8, o_proj: INT8, down_proj: INT8 }),
    vision: INT8,
    embedTable: 'float16',
  },
} as const satisfies Record<LlavaPrecision, LlavaQuantization>;

/**
 * The storage plan of a precision.
 * @example
 * llavaQuantization('int4').language; // { kind: 'nbits', bits: 4, ... }
 */
export function llavaQuantization(precision: LlavaPrecision): LlavaQuantization {
  return PLANS[precision];
}

/** Language models up to this many parameters stay float32 under `auto` (4 GB of weights). */
const AUTO_FLOAT_LIMIT = 1e9;

/**
 * `auto`: float32 for small models (tests, the tiny default), int8 for real ones (its error stays
 * within 0.1% of float32 and a 7B model fits the 12 GB budget).
 * @example
 * autoLlavaPrecision(config.llama); // 'int8' for LLaVA-1.5-7B
 */
export function autoLlavaPrecision(c: LlamaConfig): LlavaPrecision {
  const parameters = c.layers * llamaLayerParameters(c) + c.vocabSize * c.hiddenSize;
  return parameters <= AUTO_FLOAT_LIMIT ? 'fp32' : 'int8';
}
