/**
 * @module
 * The stores and services of one editor instance, handed down by React context (no module-level
 * singletons, so tests and several editors on a page stay independent).
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ApiClient } from '../features/api/lib/api-client';
import type { RunStore, RunStoreState } from '../features/execution/store/run-store';
import type { UiState, UiStore } from '../features/shell/store/ui-store';
import type { TabsState, TabsStore } from '../features/tabs/store/tabs-store';

export interface EditorServices {
  readonly tabs: TabsStore;
  readonly runs: RunStore;
  readonly ui: UiStore;
  readonly api: ApiClient;
  /** This window's id on the WebSocket; prompts queued with it report back here. */
  readonly clientId: string;
}

export const EditorContext = createContext<EditorServices | null>(null);

/** The editor's services; throws outside `<EditorContext.Provider>` (a wiring bug). */
export function useServices(): EditorServices {
  const services = useContext(EditorContext);
  if (!services) throw new Error('useServices() needs an <EditorContext.Provider> above it');
  return services;
}

/** Subscribes to a slice of the tabs store. */
export function useTabs<T>(selector: (state: TabsState) => T): T {
  return useStore(useServices().tabs, selector);
}

/** Subscribes to a slice of the run store. */
export function useRuns<T>(selector: (state: RunStoreState) => T): T {
  return useStore(useServices().runs, selector);
}

/** Subscribes to a slice of the UI store. */
export function useUi<T>(selector: (state: UiState) => T): T {
  return useStore(useServices().ui, selector);
}
