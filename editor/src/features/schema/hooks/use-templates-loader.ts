/**
 * @module
 * Loads node templates from `/api/object_info` once, and again whenever the socket reconnects (a
 * restarted server may have new node packs or files).
 */
import { importNodeTypes } from '@momaflow/engine/protocol';
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { EditorServices } from '../../../app/editor-context';
import { buildTemplates } from '../lib/build-templates';

export function useTemplatesLoader(services: EditorServices): void {
  const connection = useStore(services.runs, (s) => s.connection);
  useEffect(() => {
    if (connection === 'closed') return;
    const { api, ui } = services;
    let cancelled = false;
    api.objectInfo().then(
      (info) => !cancelled && ui.getState().templatesLoaded(buildTemplates(info), importNodeTypes(info)),
      (err: unknown) =>
        !cancelled && ui.getState().templatesFailed(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [services, connection]);
}
