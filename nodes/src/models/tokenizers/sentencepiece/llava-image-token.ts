/**
 * @module
 * LLaVA's prompt tokenization around image placeholders (haotian-liu/LLaVA `llava/mm_utils.py`
 * `tokenizer_image_token`, which MoMA calls): the prompt is split on `<image>`, each chunk tokenized
 * on its own (so each gets the dummy-prefix space), and the chunks joined with the image index, which
 * the model later replaces with the projected image features.
 */

/** LLaVA's `IMAGE_TOKEN_INDEX`: not a vocabulary id, a marker the model splices image features at. */
export const LLAVA_IMAGE_TOKEN_INDEX = -200;

/** LLaVA's `DEFAULT_IMAGE_TOKEN`. */
export const LLAVA_IMAGE_TOKEN = '<image>';

/** What `tokenizeWithImageToken` needs from a tokenizer: HF `tokenizer(chunk).input_ids`. */
export interface BosTokenizer {
  readonly bosId: number;
  /** Ids of `text` with BOS first. */
  tokenize(text: string): number[];
}

/** Options of `tokenizeWithImageToken`. */
export interface ImageTokenOptions {
  readonly imageToken?: string;
  readonly imageTokenIndex?: number;
}

/**
 * Tokenizes a LLaVA prompt: one BOS, then the chunks between image placeholders without their own
 * BOS, with `imageTokenIndex` where each placeholder was.
 * @example
 * tokenizeWithImageToken(llama, 'USER: <image>\n Describe it. ASSISTANT:');
 * // [1, 3148, 1001, 29901, 29871, -200, 29871, 13, ...]
 */
export function tokenizeWithImageToken(
  tokenizer: BosTokenizer,
  text: string,
  options: ImageTokenOptions = {},
): number[] {
  const imageTokenIndex = options.imageTokenIndex ?? LLAVA_IMAGE_TOKEN_INDEX;
  const chunks = text
    .split(options.imageToken ?? LLAVA_IMAGE_TOKEN)
    .map((chunk) => tokenizer.tokenize(chunk));
  // Mirrors the reference: the first chunk's BOS is kept once, then BOS is dropped from every chunk.
  const offset = chunks[0]?.[0] === tokenizer.bosId ? 1 : 0;
  const ids: number[] = offset === 1 ? [tokenizer.bosId] : [];
  chunks.forEach((chunk, i) => {
    if (i > 0) ids.push(imageTokenIndex);
    ids.push(...chunk.slice(offset));
  });
  return ids;
}
