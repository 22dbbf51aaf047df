/**
 * @module
 * The last pointer position over the canvas (flow and screen coordinates), kept in a ref shared by
 * context: paste, Space and N place things there, and it changes too often to be state.
 */
import { createContext, useContext } from 'react';

export interface PointerTracker {
  readonly flow: { x: number; y: number };
  readonly screen: { x: number; y: number };
  moved(flow: { x: number; y: number }, screen: { x: number; y: number }): void;
}

/** A tracker starting at the origin. */
export function createPointerTracker(): PointerTracker {
  const tracker = {
    flow: { x: 0, y: 0 },
    screen: { x: 0, y: 0 },
    moved(flow: { x: number; y: number }, screen: { x: number; y: number }) {
      tracker.flow = flow;
      tracker.screen = screen;
    },
  };
  return tracker;
}

export const PointerContext = createContext<PointerTracker | null>(null);

/** The canvas pointer tracker; throws outside its provider (a wiring bug). */
export function usePointer(): PointerTracker {
  const tracker = useContext(PointerContext);
  if (!tracker) throw new Error('usePointer() needs a <PointerContext.Provider> above it');
  return tracker;
}
