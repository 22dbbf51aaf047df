/**
 * @module
 * The parts of a SentencePiece `tokenizer.model` (the `ModelProto` protobuf of google/sentencepiece
 * `src/sentencepiece_model.proto`) that encoding needs. Field numbers are the wire format, copied from
 * upstream; proto2 defaults apply to absent fields. Other fields (training corpus settings, self-test
 * data) are skipped.
 */
import { EngineError } from '@momaflow/engine';
import protobuf from 'protobufjs';

/** `ModelProto.SentencePiece.Type`. */
export type SentencePieceType = 'normal' | 'unknown' | 'control' | 'user_defined' | 'unused' | 'byte';

/** One vocabulary entry; its id is its index in `SentencePieceModel.pieces`. */
export interface SentencePiece {
  readonly piece: string;
  readonly score: number;
  readonly type: SentencePieceType;
}

/** `TrainerSpec.ModelType`. */
export type SentencePieceModelType = 'unigram' | 'bpe' | 'word' | 'char';

/** The trainer settings that still shape encoding. */
export interface SentencePieceTrainerSpec {
  readonly modelType: SentencePieceModelType;
  readonly byteFallback: boolean;
  readonly treatWhitespaceAsSuffix: boolean;
  readonly unkPiece: string;
  readonly bosPiece: string;
  readonly eosPiece: string;
  readonly padPiece: string;
  /** What an unknown piece decodes to. */
  readonly unkSurface: string;
}

/** `NormalizerSpec`. */
export interface SentencePieceNormalizerSpec {
  readonly name: string;
  /** Compiled normalization rules (darts trie); empty for `identity` models such as LLaMA's. */
  readonly precompiledCharsmap: Uint8Array;
  readonly addDummyPrefix: boolean;
  readonly removeExtraWhitespaces: boolean;
  readonly escapeWhitespaces: boolean;
}

/** A parsed `tokenizer.model`. */
export interface SentencePieceModel {
  readonly pieces: readonly SentencePiece[];
  readonly trainerSpec: SentencePieceTrainerSpec;
  readonly normalizerSpec: SentencePieceNormalizerSpec;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const PIECE_TYPES = {
  1: 'normal',
  2: 'unknown',
  3: 'control',
  4: 'user_defined',
  5: 'unused',
  6: 'byte',
} as const satisfies Record<number, SentencePieceType>;

const MODEL_TYPES = {
  1: 'unigram',
  2: 'bpe',
  3: 'word',
  4: 'char',
} as const satisfies Record<number, SentencePieceModelType>;

function enumValue<T extends string>(table: Readonly<Record<number, T>>, value: number, field: string): T {
  const name = table[value];
  if (name === undefined) {
    throw new EngineError('tokenizer_file_invalid', `SentencePiece ${field} ${value} is not a known value`, {
      field,
      value,
    });
  }
  return name;
}

/** Reads fields up to `end`; `read(fieldNumber)` consumes a field's value or returns false to skip it. */
function readMessage(r: protobuf.Reader, end: number, read: (field: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (!read(tag >>> 3)) r.skipType(tag & 7);
  }
}

function readPiece(r: protobuf.Reader, end: number): SentencePiece {
  let piece = '';
  let score = 0;
  let type: SentencePieceType = 'normal';
  readMessage(r, end, (field) => {
    if (field === 1) piece = r.string();
    else if (field === 2) score = r.float();
    else if (field === 3) type = enumValue(PIECE_TYPES, r.int32(), 'piece type');
    else return false;
    return true;
  });
  return { piece, score, type };
}

function readTrainerSpec(r: protobuf.Reader, end: number): SentencePieceTrainerSpec {
  const spec: Mutable<SentencePieceTrainerSpec> = {
    modelType: 'unigram',
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkPiece: '<unk>',
    bosPiece: '<s>',
    eosPiece: '</s>',
    padPiece: '<pad>',
    unkSurface: ' \u2047 ',
  };
  readMessage(r, end, (field) => {
    if (field === 3) spec.modelType = enumValue(MODEL_TYPES, r.int32(), 'model type');
    else if (field === 24) spec.treatWhitespaceAsSuffix = r.bool();
    else if (field === 35) spec.byteFallback = r.bool();
    else if (field === 45) spec.unkPiece = r.string();
    else if (field === 46) spec.bosPiece = r.string();
    else if (field === 47) spec.eosPiece = r.string();
    else if (field === 48) spec.padPiece = r.string();
    else if (field === 44) spec.unkSurface = r.string();
    else return false;
    return true;
  });
  return spec;
}

function readNormalizerSpec(r: protobuf.Reader, end: number): SentencePieceNormalizerSpec {
  const spec: Mutable<SentencePieceNormalizerSpec> = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  readMessage(r, end, (field) => {
    if (field === 1) spec.name = r.string();
    else if (field === 2) spec.precompiledCharsmap = r.bytes();
    else if (field === 3) spec.addDummyPrefix = r.bool();
    else if (field === 4) spec.removeExtraWhitespaces = r.bool();
    else if (field === 5) spec.escapeWhitespaces = r.bool();
    else return false;
    return true;
  });
  return spec;
}

/**
 * Parses the bytes of a SentencePiece `.model` file.
 * @example
 * const model = parseSentencePieceModel(await readFile('tokenizer.model'));
 * model.pieces.length; // 32000 for LLaMA
 */
export function parseSentencePieceModel(bytes: Uint8Array): SentencePieceModel {
  const r = protobuf.Reader.create(bytes);
  const pieces: SentencePiece[] = [];
  let trainerSpec: SentencePieceTrainerSpec | undefined;
  let normalizerSpec: SentencePieceNormalizerSpec | undefined;
  try {
    readMessage(r, r.len, (field) => {
      if (field === 1) pieces.push(readPiece(r, r.uint32() + r.pos));
      else if (field === 2) trainerSpec = readTrainerSpec(r, r.uint32() + r.pos);
      else if (field === 3) normalizerSpec = readNormalizerSpec(r, r.uint32() + r.pos);
      else return false;
      return true;
    });
  } catch (cause) {
    if (cause instanceof EngineError) throw cause;
    throw new EngineError(
      'tokenizer_file_invalid',
      'SentencePiece model is not a valid ModelProto',
      {},
      { cause },
    );
  }
  if (pieces.length === 0) {
    throw new EngineError('tokenizer_file_invalid', 'SentencePiece model has no pieces');
  }
  // An absent sub-message means all its fields take their defaults.
  const empty = protobuf.Reader.create(new Uint8Array(0));
  return {
    pieces,
    trainerSpec: trainerSpec ?? readTrainerSpec(empty, 0),
    normalizerSpec: normalizerSpec ?? readNormalizerSpec(empty, 0),
  };
}
