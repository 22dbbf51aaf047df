/**
 * @module
 * Piece <-> id lookups of a SentencePiece model, split the way google/sentencepiece
 * `ModelInterface::InitializePieces` splits them: normal, user-defined and unused pieces can be formed
 * by merging; unknown, control and byte pieces are reserved and only ever looked up by exact piece.
 */
import { EngineError } from '@momaflow/engine';
import type { BpeVocab } from './sentencepiece-bpe';
import type { SentencePiece, SentencePieceModel } from './sentencepiece-model';

function isMergeable(piece: SentencePiece): boolean {
  return piece.type === 'normal' || piece.type === 'user_defined' || piece.type === 'unused';
}

/** `<0x0A>` style byte pieces, as `ByteToPiece` writes them (for messages). */
function bytePiece(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

function parseBytePiece(piece: string, id: number): number {
  const match = /^<0x([0-9A-F]{2})>$/.exec(piece);
  if (match === null) {
    throw new EngineError(
      'tokenizer_file_invalid',
      `SentencePiece byte piece ${id} ${JSON.stringify(piece)} is not <0xNN>`,
      { id },
    );
  }
  return Number.parseInt(match[1] as string, 16);
}

/**
 * The lookups of one model, validated as upstream validates them (exactly one unknown piece, unique
 * pieces, all 256 byte pieces when byte fallback is on).
 * @example
 * const vocab = new SentencePieceVocab(model);
 * vocab.idOf('▁Hello'); // 15043 in LLaMA
 */
export class SentencePieceVocab implements BpeVocab {
  readonly pieces: readonly SentencePiece[];
  readonly unkId: number;
  readonly #mergeable = new Map<string, number>();
  readonly #reserved = new Map<string, number>();
  readonly #byteIds: number[] = [];
  /** User-defined pieces by first UTF-16 unit, longest first. */
  readonly #userDefined = new Map<string, string[]>();

  constructor(model: SentencePieceModel) {
    this.pieces = model.pieces;
    let unkId = -1;
    model.pieces.forEach((p, id) => {
      const target = isMergeable(p) ? this.#mergeable : this.#reserved;
      if (p.piece === '' || target.has(p.piece)) {
        throw new EngineError(
          'tokenizer_file_invalid',
          `SentencePiece piece ${id} ${JSON.stringify(p.piece)} is empty or repeated`,
          { id },
        );
      }
      target.set(p.piece, id);
      if (p.type === 'unknown') {
        if (unkId >= 0) {
          throw new EngineError(
            'tokenizer_file_invalid',
            `SentencePiece model defines a second unknown piece at ${id}`,
            { id },
          );
        }
        unkId = id;
      }
      if (p.type === 'byte') this.#byteIds[parseBytePiece(p.piece, id)] = id;
      if (p.type === 'user_defined') {
        const bucket = this.#userDefined.get(p.piece[0] as string) ?? [];
        bucket.push(p.piece);
        bucket.sort((a, b) => b.length - a.length);
        this.#userDefined.set(p.piece[0] as string, bucket);
      }
    });
    if (unkId < 0) {
      throw new EngineError('tokenizer_file_invalid', 'SentencePiece model defines no unknown piece');
    }
    this.unkId = unkId;
    if (model.trainerSpec.byteFallback) {
      for (let b = 0; b < 256; b++) {
        if (this.#byteIds[b] === undefined) {
          throw new EngineError(
            'tokenizer_file_invalid',
            `SentencePiece model uses byte fallback but lacks ${bytePiece(b)}`,
          );
        }
      }
    }
  }

  /** Id of a piece, reserved pieces first, else the unknown id (`PieceToId`). */
  idOf(piece: string): number {
    return this.#reserved.get(piece) ?? this.#mergeable.get(piece) ?? this.unkId;
  }

  /** Id of the byte piece `<0xNN>`; only valid when the model has byte fallback. */
  byteId(byte: number): number {
    return this.#byteIds[byte] ?? this.unkId;
  }

  typeOf(id: number): SentencePiece['type'] | undefined {
    return this.pieces[id]?.type;
  }

  mergeScore(piece: string): number | undefined {
    const id = this.#mergeable.get(piece);
    return id === undefined ? undefined : this.pieces[id]?.score;
  }

  isUnused(piece: string): boolean {
    return this.typeOf(this.idOf(piece)) === 'unused';
  }

  matchUserDefined(text: string, offset: number): string | undefined {
    const bucket = this.#userDefined.get(text[offset] as string);
    return bucket?.find((piece) => text.startsWith(piece, offset));
  }
}
