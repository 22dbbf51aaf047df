/**
 * @module
 * Types for the code that runs inside the page (`page.evaluate`). The root typecheck covers `test/`
 * without the DOM library (adding it would change the types of server code), so in-page callbacks
 * cast `globalThis` to these few, narrow shapes instead.
 */

/** The parts of an element the tests read. */
export interface PageElement {
  readonly style: { readonly visibility: string; readonly width: string };
  readonly textContent: string | null;
  readonly naturalWidth?: number;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}

interface EditorState {
  readonly tabs: readonly {
    readonly id: string;
    readonly doc: {
      readonly nodes: readonly {
        readonly id: string;
        readonly type: string;
        readonly position: { readonly x: number; readonly y: number };
        readonly data: {
          readonly classType: string;
          readonly values: Record<string, unknown>;
          readonly links: Record<string, unknown>;
          readonly mode: string;
        };
      }[];
    };
  }[];
  readonly activeId: string;
}

/** The page's globals the tests use, including the editor's own stores (`window.momaflow`). */
export interface PageGlobals {
  readonly document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number };
  };
  readonly DataTransfer: new () => { readonly items: { add(file: unknown): void } };
  readonly DragEvent: new (
    type: string,
    init: { dataTransfer: unknown; bubbles: boolean; cancelable: boolean },
  ) => unknown;
  readonly File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  requestAnimationFrame(callback: (now: number) => void): number;
  readonly momaflow: { readonly tabs: { getState(): EditorState } };
  frameTimes: number[];
  recording: boolean;
}
