/**
 * @module
 * Editor-wide UI state that is not part of a document: node templates from the server, the palette,
 * toasts, side panels and the image viewer.
 */
import type { ImportNodeTypes } from '@momaflow/engine/protocol';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LinkFilter } from '../../palette/lib/search-templates';
import type { TemplateMap } from '../../schema/lib/node-template';

export type PaletteState =
  | { readonly open: false }
  | {
      readonly open: true;
      /** Where the new node goes, in flow coordinates. */
      readonly at: { readonly x: number; readonly y: number };
      /** Where the palette shows, in screen coordinates. */
      readonly screen: { readonly x: number; readonly y: number };
      readonly filter?: LinkFilter;
    };

export interface Toast {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly message: string;
}

export type Panel = 'none' | 'queue' | 'help' | 'library';

export type TemplatesStatus =
  | { readonly status: 'loading' }
  | { readonly status: 'ready' }
  | { readonly status: 'error'; readonly message: string };

export interface UiState {
  readonly templates: TemplateMap;
  /** The same schemas as the importer reads them (widget order for ComfyUI files). */
  readonly importTypes: ImportNodeTypes;
  readonly templatesStatus: TemplatesStatus;
  readonly palette: PaletteState;
  readonly toasts: readonly Toast[];
  readonly panel: Panel;
  /** Full-size URL of the image being viewed. */
  readonly lightbox: { readonly url: string; readonly downloadUrl: string; readonly name: string } | null;
  templatesLoaded(templates: TemplateMap, importTypes: ImportNodeTypes): void;
  templatesFailed(message: string): void;
  paletteOpened(palette: Omit<Extract<PaletteState, { open: true }>, 'open'>): void;
  paletteClosed(): void;
  toastShown(kind: Toast['kind'], message: string): void;
  toastDismissed(id: number): void;
  panelToggled(panel: Exclude<Panel, 'none'>): void;
  panelClosed(): void;
  lightboxOpened(image: { url: string; downloadUrl: string; name: string }): void;
  lightboxClosed(): void;
}

export type UiStore = StoreApi<UiState>;

/** How many toasts stay on screen at once. */
const MAX_TOASTS = 4;

/**
 * @example
 * const ui = createUiStore();
 * ui.getState().toastShown('error', 'IMAGE output cannot feed MASK input');
 */
export function createUiStore(): UiStore {
  let toastId = 0;
  return createStore<UiState>()((set) => ({
    templates: new Map(),
    importTypes: () => undefined,
    templatesStatus: { status: 'loading' },
    palette: { open: false },
    toasts: [],
    panel: 'none',
    lightbox: null,
    templatesLoaded: (templates, importTypes) =>
      set({ templates, importTypes, templatesStatus: { status: 'ready' } }),
    templatesFailed: (message) => set({ templatesStatus: { status: 'error', message } }),
    paletteOpened: (palette) => set({ palette: { open: true, ...palette } }),
    paletteClosed: () => set({ palette: { open: false } }),
    toastShown: (kind, message) =>
      set((state) => ({ toasts: [...state.toasts, { id: ++toastId, kind, message }].slice(-MAX_TOASTS) })),
    toastDismissed: (id) => set((state) => ({ toasts: state.toasts.filter((t) => t.id !== id) })),
    panelToggled: (panel) => set((state) => ({ panel: state.panel === panel ? 'none' : panel })),
    panelClosed: () => set({ panel: 'none' }),
    lightboxOpened: (image) => set({ lightbox: image }),
    lightboxClosed: () => set({ lightbox: null }),
  }));
}
