/**
 * @module
 * Undo/redo as immer patches: each edit stores the patches that redo it and the inverse patches
 * that undo it, so memory grows with the size of edits, not of the graph. Edits that should not be
 * undone one frame at a time (a drag) are applied with `applyTransient` and recorded once at the end
 * with `recordChange`.
 */

import type { Draft } from 'immer';
import { applyPatches, enablePatches, type Patch, produce, produceWithPatches } from 'immer';
import type { GraphDoc } from '../lib/flow-types';

enablePatches();

/** How many edits are kept. */
export const HISTORY_LIMIT = 200;

export interface HistoryEntry {
  /** What the edit was, for the undo button's tooltip. */
  readonly label: string;
  readonly patches: readonly Patch[];
  readonly inverse: readonly Patch[];
}

export interface DocHistory {
  readonly past: readonly HistoryEntry[];
  readonly future: readonly HistoryEntry[];
}

export interface Versioned {
  readonly doc: GraphDoc;
  readonly history: DocHistory;
}

export const EMPTY_HISTORY: DocHistory = { past: [], future: [] };

function pushed(history: DocHistory, entry: HistoryEntry): DocHistory {
  const past = [...history.past, entry];
  return { past: past.length > HISTORY_LIMIT ? past.slice(past.length - HISTORY_LIMIT) : past, future: [] };
}

/**
 * Applies `recipe` and records it; an edit that changes nothing records nothing.
 * @example
 * const next = applyEdit(current, 'add node', (doc) => { doc.nodes.push(node); });
 */
export function applyEdit(
  state: Versioned,
  label: string,
  recipe: (draft: Draft<GraphDoc>) => void,
): Versioned {
  const [doc, patches, inverse] = produceWithPatches(state.doc, recipe);
  if (patches.length === 0) return state;
  return { doc, history: pushed(state.history, { label, patches, inverse }) };
}

/** Applies `recipe` without recording it (selection, measuring, drag frames). */
export function applyTransient(state: Versioned, recipe: (draft: Draft<GraphDoc>) => void): Versioned {
  const doc = produce(state.doc, recipe);
  return doc === state.doc ? state : { doc, history: state.history };
}

/**
 * Records, as one step, an edit that was already applied transiently (a whole drag): `undoRecipe`
 * turns the current doc back into what it was before, and its patches become the entry's inverse.
 */
export function recordChange(
  state: Versioned,
  label: string,
  undoRecipe: (draft: Draft<GraphDoc>) => void,
): Versioned {
  const [, toBefore, toAfter] = produceWithPatches(state.doc, undoRecipe);
  if (toBefore.length === 0) return state;
  return { doc: state.doc, history: pushed(state.history, { label, patches: toAfter, inverse: toBefore }) };
}

/** Steps back one edit; unchanged when there is nothing to undo. */
export function undo(state: Versioned): Versioned {
  const entry = state.history.past.at(-1);
  if (!entry) return state;
  return {
    doc: applyPatches(state.doc, entry.inverse as Patch[]),
    history: { past: state.history.past.slice(0, -1), future: [entry, ...state.history.future] },
  };
}

/** Re-applies the last undone edit; unchanged when there is none. */
export function redo(state: Versioned): Versioned {
  const [entry, ...future] = state.history.future;
  if (!entry) return state;
  return {
    doc: applyPatches(state.doc, entry.patches as Patch[]),
    history: { past: [...state.history.past, entry], future },
  };
}
