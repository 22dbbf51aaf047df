/**
 * @module
 * Writes a SentencePiece `ModelProto` (google/sentencepiece `src/sentencepiece_model.proto`), the
 * inverse of `parseSentencePieceModel`, with the special-piece ids and vocabulary size upstream's
 * own loader reads too. momaflow's tiny LLaVA ships a `tokenizer.model` made this way.
 */
import protobuf from 'protobufjs';
import type { SentencePieceModel, SentencePieceModelType, SentencePieceType } from './sentencepiece-model';

const PIECE_TYPES = {
  normal: 1,
  unknown: 2,
  control: 3,
  user_defined: 4,
  unused: 5,
  byte: 6,
} as const satisfies Record<SentencePieceType, number>;

const MODEL_TYPES = { unigram: 1, bpe: 2, word: 3, char: 4 } as const satisfies Record<
  SentencePieceModelType,
  number
>;

const VARINT = 0;
const BYTES = 2;
const FIXED32 = 5;

const tag = (field: number, wire: number) => (field << 3) | wire;

/**
 * The bytes of a `.model` file for `model`.
 * @example
 * await writeFile('tokenizer.model', writeSentencePieceModel(model));
 */
export function writeSentencePieceModel(model: SentencePieceModel): Uint8Array {
  const w = protobuf.Writer.create();
  for (const p of model.pieces) {
    w.uint32(tag(1, BYTES)).fork();
    w.uint32(tag(1, BYTES)).string(p.piece);
    w.uint32(tag(2, FIXED32)).float(p.score);
    w.uint32(tag(3, VARINT)).int32(PIECE_TYPES[p.type]);
    w.ldelim();
  }
  const t = model.trainerSpec;
  const idOf = (piece: string) => model.pieces.findIndex((p) => p.piece === piece);
  w.uint32(tag(2, BYTES)).fork();
  w.uint32(tag(3, VARINT)).int32(MODEL_TYPES[t.modelType]);
  w.uint32(tag(4, VARINT)).int32(model.pieces.length);
  w.uint32(tag(24, VARINT)).bool(t.treatWhitespaceAsSuffix);
  w.uint32(tag(35, VARINT)).bool(t.byteFallback);
  w.uint32(tag(40, VARINT)).int32(idOf(t.unkPiece));
  w.uint32(tag(41, VARINT)).int32(idOf(t.bosPiece));
  w.uint32(tag(42, VARINT)).int32(idOf(t.eosPiece));
  w.uint32(tag(43, VARINT)).int32(idOf(t.padPiece));
  w.uint32(tag(44, BYTES)).string(t.unkSurface);
  w.uint32(tag(45, BYTES)).string(t.unkPiece);
  w.uint32(tag(46, BYTES)).string(t.bosPiece);
  w.uint32(tag(47, BYTES)).string(t.eosPiece);
  w.uint32(tag(48, BYTES)).string(t.padPiece);
  w.ldelim();
  const n = model.normalizerSpec;
  w.uint32(tag(3, BYTES)).fork();
  w.uint32(tag(1, BYTES)).string(n.name);
  w.uint32(tag(2, BYTES)).bytes(n.precompiledCharsmap);
  w.uint32(tag(3, VARINT)).bool(n.addDummyPrefix);
  w.uint32(tag(4, VARINT)).bool(n.removeExtraWhitespaces);
  w.uint32(tag(5, VARINT)).bool(n.escapeWhitespaces);
  w.ldelim();
  return w.finish();
}
