/**
 * @module
 * Every keyboard shortcut in one table: the key handler dispatches from it and the help panel lists
 * it, so the two cannot drift apart.
 */

export type ShortcutCommand =
  | 'queue'
  | 'undo'
  | 'redo'
  | 'copy'
  | 'paste'
  | 'duplicate'
  | 'delete'
  | 'bypass'
  | 'mute'
  | 'palette'
  | 'selectAll'
  | 'fitView'
  | 'autoLayout'
  | 'addFrame'
  | 'addNote'
  | 'save'
  | 'help'
  | 'closeOverlay';

export interface Shortcut {
  readonly keys: string;
  readonly description: string;
  /** Matches a key event (Ctrl and Cmd count the same). */
  readonly matches: (
    e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>,
  ) => boolean;
}

type KeyInfo = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;
const mod = (e: KeyInfo) => e.ctrlKey || e.metaKey;
const plain = (e: KeyInfo) => !mod(e) && !e.altKey;
const key = (e: KeyInfo, k: string) => e.key.toLowerCase() === k;

/** Shortcuts by command; copy, paste and delete are handled by the browser's events and React Flow. */
export const SHORTCUTS = {
  queue: {
    keys: 'Ctrl+Enter',
    description: 'Queue the workflow',
    matches: (e) => mod(e) && e.key === 'Enter',
  },
  undo: { keys: 'Ctrl+Z', description: 'Undo', matches: (e) => mod(e) && !e.shiftKey && key(e, 'z') },
  redo: {
    keys: 'Ctrl+Shift+Z / Ctrl+Y',
    description: 'Redo',
    matches: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')),
  },
  copy: {
    keys: 'Ctrl+C',
    description: 'Copy the selection (also to other tabs and windows)',
    matches: () => false,
  },
  paste: { keys: 'Ctrl+V', description: 'Paste at the pointer', matches: () => false },
  duplicate: {
    keys: 'Ctrl+D',
    description: 'Duplicate the selection',
    matches: (e) => mod(e) && key(e, 'd'),
  },
  delete: { keys: 'Delete / Backspace', description: 'Delete the selection', matches: () => false },
  bypass: { keys: 'Ctrl+B', description: 'Bypass the selected nodes', matches: (e) => mod(e) && key(e, 'b') },
  mute: { keys: 'Ctrl+M', description: 'Mute the selected nodes', matches: (e) => mod(e) && key(e, 'm') },
  palette: {
    keys: 'Space / double-click',
    description: 'Add a node (search the palette)',
    matches: (e) => plain(e) && e.key === ' ',
  },
  selectAll: { keys: 'Ctrl+A', description: 'Select everything', matches: (e) => mod(e) && key(e, 'a') },
  fitView: { keys: '.', description: 'Fit the graph in view', matches: (e) => plain(e) && e.key === '.' },
  autoLayout: {
    keys: 'Ctrl+Shift+L',
    description: 'Auto-layout the graph',
    matches: (e) => mod(e) && e.shiftKey && key(e, 'l'),
  },
  addFrame: {
    keys: 'Ctrl+G',
    description: 'Frame the selection in a group',
    matches: (e) => mod(e) && !e.shiftKey && key(e, 'g'),
  },
  addNote: { keys: 'N', description: 'Add a note at the pointer', matches: (e) => plain(e) && key(e, 'n') },
  save: { keys: 'Ctrl+S', description: 'Save to the library', matches: (e) => mod(e) && key(e, 's') },
  help: { keys: '?', description: 'Show this help', matches: (e) => e.key === '?' },
  closeOverlay: {
    keys: 'Escape',
    description: 'Close the palette or a dialog',
    matches: (e) => e.key === 'Escape',
  },
} as const satisfies Record<ShortcutCommand, Shortcut>;

/** The command a key event triggers, if any (first match in table order). */
export function commandFor(e: KeyInfo): ShortcutCommand | undefined {
  return (Object.keys(SHORTCUTS) as ShortcutCommand[]).find((command) => SHORTCUTS[command].matches(e));
}
