/**
 * @module
 * The CLIP BPE tokenizer of Stable Diffusion 1.x text encoders, id-for-id equal to HF `CLIPTokenizer`
 * and openai/CLIP `SimpleTokenizer` for the same vocabulary: cleanup (see `cleanClipText`), CLIP's word
 * pattern, byte-level BPE, then BOS/EOS, truncation and padding to the encoder's 77 positions.
 */
import { EngineError } from '@momaflow/engine';
import type { TextTokenizer } from '../text-tokenizer';
import { bytesToUnicode } from './bytes-to-unicode';
import { cleanClipText, PY_WHITESPACE } from './clean-clip-text';
import { clipBpe } from './clip-bpe';
import type { ClipBpeVocab } from './clip-bpe-vocab';
import { CLIP_BOS_TOKEN, CLIP_EOS_TOKEN } from './clip-bpe-vocab';

/** Options of `ClipTokenizer.tokenize`. */
export interface ClipTokenizeOptions {
  /** Positions including BOS and EOS; SD1.x text encoders take 77. */
  readonly maxLength?: number;
  /** Id that fills the positions after EOS; SD1.x pads with EOS (49407), SD2.x with 0. */
  readonly padId?: number;
}

/** A prompt as the text encoder takes it. */
export interface ClipTokenized {
  /** `maxLength` ids: BOS, prompt tokens, EOS, padding. */
  readonly ids: Int32Array;
  /** Whether prompt tokens were dropped to fit; the caller should warn, as diffusers does. */
  readonly truncated: boolean;
  /** Prompt tokens before truncation, without BOS/EOS. */
  readonly tokenCount: number;
}

/**
 * CLIP's word pattern (openai/CLIP, HF): special tokens, English contractions, letter runs, single
 * digits, runs of other non-space characters. Case-insensitive as in the reference, although the text
 * is already lowercase. `\s` is Python's whitespace, which the reference's `regex` module uses.
 */
const WORD_PATTERN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${PY_WHITESPACE}\\p{L}\\p{N}]+`,
  'giu',
);

/** Words are cached per tokenizer, as in the reference; the bound keeps a long-running server flat. */
const MAX_CACHED_WORDS = 50_000;

const DEFAULT_MAX_LENGTH = 77;

const UTF8 = new TextEncoder();

/**
 * CLIP BPE tokenizer.
 * @example
 * const tok = await loadClipTokenizer('models/sd15/tokenizer');
 * const { ids, truncated } = tok.tokenize('a photo of a cat'); // ids: 49406, 320, 1125, 539, 320, 2368, 49407, 49407...
 */
export class ClipTokenizer implements TextTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly #encoder: ReadonlyMap<string, number>;
  readonly #decoder: Map<number, string>;
  readonly #mergeRanks: ReadonlyMap<string, number>;
  readonly #byteEncoder: readonly string[];
  readonly #byteDecoder: ReadonlyMap<string, number>;
  readonly #cache = new Map<string, readonly number[]>();

  private constructor(vocab: ClipBpeVocab) {
    const bos = vocab.encoder.get(CLIP_BOS_TOKEN);
    const eos = vocab.encoder.get(CLIP_EOS_TOKEN);
    if (bos === undefined || eos === undefined) {
      throw new EngineError(
        'tokenizer_file_invalid',
        `CLIP vocabulary must contain ${CLIP_BOS_TOKEN} and ${CLIP_EOS_TOKEN}`,
      );
    }
    this.bosId = bos;
    this.eosId = eos;
    this.#encoder = vocab.encoder;
    this.#mergeRanks = vocab.mergeRanks;
    this.#decoder = new Map([...vocab.encoder].map(([token, id]) => [id, token]));
    const table = bytesToUnicode();
    const byteEncoder: string[] = [];
    for (const [byte, char] of table) byteEncoder[byte] = char;
    this.#byteEncoder = byteEncoder;
    this.#byteDecoder = new Map(table.map(([byte, char]) => [char, byte]));
  }

  /** A tokenizer over a parsed vocabulary (see `clipVocabFromVocabAndMerges`, `clipVocabFromOpenAiMerges`). */
  static fromVocab(vocab: ClipBpeVocab): ClipTokenizer {
    return new ClipTokenizer(vocab);
  }

  /** Vocabulary size (49408 for the SD1.x vocabulary). */
  get vocabSize(): number {
    return this.#encoder.size;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const [word] of cleanClipText(text).matchAll(WORD_PATTERN)) {
      ids.push(...this.#encodeWord(word));
    }
    return ids;
  }

  /**
   * BOS + prompt tokens + EOS, truncated to `maxLength` (EOS kept last) and padded with `padId`.
   * @example
   * tok.tokenize('a '.repeat(100)).truncated; // true
   */
  tokenize(text: string, options: ClipTokenizeOptions = {}): ClipTokenized {
    return this.frame(this.encode(text), options);
  }

  /**
   * `tokens` (ids without special tokens, possibly beyond the vocabulary: a prompt's textual-inversion
   * rows) framed as `tokenize` frames a text's ids.
   * @example
   * tok.frame([...tok.encode('a photo of'), 49408, 49409]).ids; // BOS, a, photo, of, 49408, 49409, EOS, EOS...
   */
  frame(tokens: readonly number[], options: ClipTokenizeOptions = {}): ClipTokenized {
    const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw new EngineError('invalid_argument', `'maxLength' must be an integer >= 2, got ${maxLength}`);
    }
    const kept = Math.min(tokens.length, maxLength - 2);
    const ids = new Int32Array(maxLength).fill(options.padId ?? this.eosId);
    ids[0] = this.bosId;
    ids.set(tokens.slice(0, kept), 1);
    ids[kept + 1] = this.eosId;
    return { ids, truncated: tokens.length > kept, tokenCount: tokens.length };
  }

  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      if (id === this.bosId || id === this.eosId) continue;
      const token = this.#decoder.get(id);
      if (token === undefined) {
        throw new EngineError('invalid_argument', `token id ${id} is out of range [0, ${this.vocabSize})`);
      }
      for (const char of token.replace('</w>', ' ')) {
        bytes.push(this.#byteDecoder.get(char) ?? char.charCodeAt(0));
      }
    }
    return new TextDecoder().decode(Uint8Array.from(bytes)).trimEnd();
  }

  #encodeWord(word: string): readonly number[] {
    const cached = this.#cache.get(word);
    if (cached !== undefined) return cached;
    // Special tokens are words of their own; the reference seeds its BPE cache with them.
    const special = word === CLIP_BOS_TOKEN ? this.bosId : word === CLIP_EOS_TOKEN ? this.eosId : undefined;
    let ids: number[];
    if (special !== undefined) {
      ids = [special];
    } else {
      let byteLevel = '';
      for (const byte of UTF8.encode(word)) byteLevel += this.#byteEncoder[byte];
      // A token missing from a custom vocabulary becomes unk, which CLIP spells as EOS.
      ids = clipBpe(byteLevel, this.#mergeRanks).map((token) => this.#encoder.get(token) ?? this.eosId);
    }
    if (this.#cache.size >= MAX_CACHED_WORDS) this.#cache.clear();
    this.#cache.set(word, ids);
    return ids;
  }
}
