/**
 * @module
 * The LLaMA tokenizer LLaVA / MoMA use: a SentencePiece BPE model encoded as sentencepiece's
 * `SentencePieceProcessor.encode` does, which is what HF `LlamaTokenizer(legacy=True)` returns for text
 * without special-token strings. Normalize (dummy prefix, spaces as `▁`), merge by piece score, then
 * spell characters outside the vocabulary as UTF-8 byte pieces `<0xNN>` (byte fallback).
 */
import { EngineError } from '@momaflow/engine';
import type { TextTokenizer } from '../text-tokenizer';
import type { ImageTokenOptions } from './llava-image-token';
import { tokenizeWithImageToken } from './llava-image-token';
import { sentencePieceBpe } from './sentencepiece-bpe';
import type { SentencePieceModel } from './sentencepiece-model';
import { normalizeForSentencePiece, SPACE_SYMBOL } from './sentencepiece-normalizer';
import { SentencePieceVocab } from './sentencepiece-vocab';

/** Options of `LlamaTokenizer.tokenize`; the defaults are LLaMA's (`add_bos_token`, no EOS). */
export interface LlamaTokenizeOptions {
  readonly addBos?: boolean;
  readonly addEos?: boolean;
}

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

function controlId(vocab: SentencePieceVocab, piece: string): number {
  const id = vocab.idOf(piece);
  if (vocab.typeOf(id) !== 'control') {
    throw new EngineError('tokenizer_file_invalid', `SentencePiece model has no control piece ${piece}`, {
      piece,
    });
  }
  return id;
}

/**
 * SentencePiece BPE tokenizer for LLaMA models.
 * @example
 * const llama = await loadLlamaTokenizer('models/llava/tokenizer.model');
 * llama.tokenize('Hello world'); // [1, 15043, 3186]
 */
export class LlamaTokenizer implements TextTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly #model: SentencePieceModel;
  readonly #vocab: SentencePieceVocab;

  private constructor(model: SentencePieceModel) {
    if (model.trainerSpec.modelType !== 'bpe') {
      throw new EngineError(
        'tokenizer_unsupported',
        `SentencePiece model type '${model.trainerSpec.modelType}' is not supported; LLaMA tokenizers are 'bpe'`,
        { modelType: model.trainerSpec.modelType },
      );
    }
    if (model.normalizerSpec.precompiledCharsmap.length > 0) {
      throw new EngineError(
        'tokenizer_unsupported',
        `SentencePiece normalizer '${model.normalizerSpec.name}' uses compiled rules; only rule-free (identity) normalizers are supported`,
        { normalizer: model.normalizerSpec.name },
      );
    }
    this.#model = model;
    this.#vocab = new SentencePieceVocab(model);
    this.bosId = controlId(this.#vocab, model.trainerSpec.bosPiece);
    this.eosId = controlId(this.#vocab, model.trainerSpec.eosPiece);
  }

  /** A tokenizer over a parsed model (see `parseSentencePieceModel`). */
  static fromModel(model: SentencePieceModel): LlamaTokenizer {
    return new LlamaTokenizer(model);
  }

  /** Number of pieces (32000 for LLaMA 1/2). */
  get vocabSize(): number {
    return this.#model.pieces.length;
  }

  encode(text: string): number[] {
    const normalized = normalizeForSentencePiece(text, {
      spec: this.#model.normalizerSpec,
      treatWhitespaceAsSuffix: this.#model.trainerSpec.treatWhitespaceAsSuffix,
    });
    const ids: number[] = [];
    let isPrevUnknown = false;
    for (const piece of sentencePieceBpe(normalized, this.#vocab)) {
      const id = this.#vocab.idOf(piece);
      const isUnknown = id === this.#vocab.unkId;
      if (isUnknown && this.#model.trainerSpec.byteFallback) {
        for (const byte of UTF8.encode(piece)) ids.push(this.#vocab.byteId(byte));
      } else if (!(isUnknown && isPrevUnknown)) {
        // Without byte fallback a run of unknown pieces is one unk, as sentencepiece merges them.
        ids.push(id);
      }
      isPrevUnknown = isUnknown;
    }
    return ids;
  }

  /** `encode` with LLaMA's special tokens: BOS first by default, EOS only when asked. */
  tokenize(text: string, options: LlamaTokenizeOptions = {}): number[] {
    const ids = this.encode(text);
    if (options.addBos ?? true) ids.unshift(this.bosId);
    if (options.addEos ?? false) ids.push(this.eosId);
    return ids;
  }

  /**
   * Tokenizes a LLaVA prompt with `<image>` placeholders, each replaced by -200 (see `tokenizeWithImageToken`).
   * @example
   * llama.tokenizeWithImageToken('USER: <image>\n Describe the cat. ASSISTANT:');
   */
  tokenizeWithImageToken(text: string, options: ImageTokenOptions = {}): number[] {
    return tokenizeWithImageToken(this, text, options);
  }

  /** Text of `ids` as sentencepiece `decode` writes it (leading dummy space removed, bytes as UTF-8). */
  decode(ids: readonly number[]): string {
    const spec = this.#model.normalizerSpec;
    let text = '';
    let bytes: number[] = [];
    let isStart = true;
    const flushBytes = (): void => {
      text += UTF8_DECODER.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const piece = this.#model.pieces[id];
      if (piece === undefined) {
        throw new EngineError('invalid_argument', `token id ${id} is out of range [0, ${this.vocabSize})`);
      }
      if (piece.type === 'byte') {
        bytes.push(Number.parseInt(piece.piece.slice(3, 5), 16));
        continue;
      }
      flushBytes();
      if (text !== '') isStart = false;
      if (piece.type === 'control') continue;
      if (piece.type === 'unknown') {
        text += this.#model.trainerSpec.unkSurface;
        continue;
      }
      let surface = piece.piece;
      if (
        isStart &&
        (spec.addDummyPrefix || spec.removeExtraWhitespaces) &&
        surface.startsWith(SPACE_SYMBOL)
      ) {
        surface = surface.slice(SPACE_SYMBOL.length);
        // Only one dummy space is consumed, unless all leading spaces were removed when encoding.
        isStart = spec.removeExtraWhitespaces;
      }
      text += surface.replaceAll(SPACE_SYMBOL, ' ');
    }
    flushBytes();
    return text;
  }
}
