/**
 * @module
 * SentencePiece's BPE segmentation (google/sentencepiece `src/bpe_model.cc` `Model::SampleEncode`
 * without dropout): unlike CLIP's rank-ordered merges, it repeatedly merges the adjacent pair whose
 * concatenation is the highest-scoring vocabulary piece, leftmost first on ties.
 */
import { BinaryHeap } from './binary-heap';

/** Lookups the segmentation needs, built once per model (see `SentencePieceVocab`). */
export interface BpeVocab {
  /** Score of a normal, user-defined or unused piece; undefined for other strings. */
  mergeScore(piece: string): number | undefined;
  /** Whether a piece is `unused`: merged through, then split back into its parts. */
  isUnused(piece: string): boolean;
  /** User-defined pieces that are a prefix of `text` at `offset`, longest wins; never merged further. */
  matchUserDefined(text: string, offset: number): string | undefined;
}

interface SymbolPair {
  readonly left: number;
  readonly right: number;
  readonly score: number;
  /** Length of the merged piece, to recognise pairs made stale by an earlier merge. */
  readonly length: number;
}

interface SymbolNode {
  prev: number;
  next: number;
  piece: string;
  readonly frozen: boolean;
}

function splitSymbols(text: string, vocab: BpeVocab): SymbolNode[] {
  const symbols: SymbolNode[] = [];
  let offset = 0;
  while (offset < text.length) {
    const userDefined = vocab.matchUserDefined(text, offset);
    const piece = userDefined ?? String.fromCodePoint(text.codePointAt(offset) as number);
    symbols.push({ prev: symbols.length - 1, next: -1, piece, frozen: userDefined !== undefined });
    offset += piece.length;
  }
  symbols.forEach((s, i) => {
    s.next = i + 1 < symbols.length ? i + 1 : -1;
  });
  return symbols;
}

/**
 * Splits normalized text (see `normalizeForSentencePiece`) into vocabulary pieces. Pieces may be
 * outside the vocabulary (a character the model never saw); the caller maps them to unk or bytes.
 * @example
 * sentencePieceBpe('▁Hello▁world', vocab); // ['▁Hello', '▁world']
 */
export function sentencePieceBpe(text: string, vocab: BpeVocab): string[] {
  const symbols = splitSymbols(text, vocab);
  if (symbols.length === 0) return [];
  const agenda = new BinaryHeap<SymbolPair>(
    (a, b) => a.score > b.score || (a.score === b.score && a.left < b.left),
  );
  // Pieces formed from an unused piece, to split it back afterwards (`rev_merge` upstream).
  const unusedParts = new Map<string, readonly [string, string]>();
  const addPair = (left: number, right: number): void => {
    const l = symbols[left];
    const r = symbols[right];
    if (l === undefined || r === undefined || l.frozen || r.frozen) return;
    const piece = l.piece + r.piece;
    const score = vocab.mergeScore(piece);
    if (score === undefined) return;
    agenda.push({ left, right, score, length: piece.length });
    if (vocab.isUnused(piece)) unusedParts.set(piece, [l.piece, r.piece]);
  };
  for (let i = 1; i < symbols.length; i++) addPair(i - 1, i);

  for (let top = agenda.pop(); top !== undefined; top = agenda.pop()) {
    const l = symbols[top.left] as SymbolNode;
    const r = symbols[top.right] as SymbolNode;
    if (l.piece === '' || r.piece === '' || l.piece.length + r.piece.length !== top.length) continue;
    l.piece += r.piece;
    l.next = r.next;
    const after = symbols[r.next];
    if (after !== undefined) after.prev = top.left;
    r.piece = '';
    addPair(l.prev, top.left);
    addPair(top.left, l.next);
  }

  const out: string[] = [];
  const resegment = (piece: string): void => {
    const parts = vocab.isUnused(piece) ? unusedParts.get(piece) : undefined;
    if (parts === undefined) {
      out.push(piece);
      return;
    }
    resegment(parts[0]);
    resegment(parts[1]);
  };
  for (let i = 0; i !== -1; i = (symbols[i] as SymbolNode).next) {
    resegment((symbols[i] as SymbolNode).piece);
  }
  return out;
}
