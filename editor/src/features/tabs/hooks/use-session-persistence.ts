/**
 * @module
 * Keeps the open tabs in localStorage: restores them once node types are known (so links get their
 * socket colours), then writes the session a second after each change.
 */
import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import type { EditorServices } from '../../../app/editor-context';
import { SESSION_KEY, sessionFromJson, sessionToJson } from '../lib/saved-session';

const WRITE_DELAY_MS = 1000;

export function useSessionPersistence(services: EditorServices): void {
  const ready = useStore(services.ui, (s) => s.templatesStatus.status !== 'loading');
  const restored = useRef(false);
  useEffect(() => {
    if (!ready || restored.current) return;
    restored.current = true;
    const { tabs, ui } = services;
    const session = sessionFromJson(localStorage.getItem(SESSION_KEY));
    const start = tabs.getState();
    const untouched =
      start.tabs.length === 1 && start.tabs[0]!.doc.nodes.length === 0 && start.tabs[0]!.revision === 0;
    if (untouched && session.tabs.length > 0) {
      for (const tab of session.tabs)
        tabs.getState().workflowOpened({ ...tab, templates: ui.getState().templates });
      const target = tabs.getState().tabs[session.active];
      if (target) tabs.getState().tabActivated(target.id);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = tabs.subscribe((state, previous) => {
      if (state.tabs === previous.tabs && state.activeId === previous.activeId) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const now = tabs.getState();
        try {
          localStorage.setItem(SESSION_KEY, sessionToJson(now.tabs, now.activeId));
        } catch {
          // Storage full or disabled: the session just is not kept; saving to the library still works.
        }
      }, WRITE_DELAY_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [ready, services]);
}
