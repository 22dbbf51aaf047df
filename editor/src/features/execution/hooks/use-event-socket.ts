/**
 * @module
 * Keeps the WebSocket open for the editor's lifetime, feeding the run store; after a reconnect it
 * resynchronises prompts that ended while the socket was down from history.
 */
import { ownValue } from '@momaflow/engine/protocol';
import { useEffect } from 'react';
import type { EditorServices } from '../../../app/editor-context';
import { connectEventSocket } from '../lib/event-socket';
import type { PromptStatus } from '../lib/run-state';

const FINAL: Record<string, PromptStatus> = {
  success: 'success',
  error: 'error',
  interrupted: 'interrupted',
};

async function resync(services: EditorServices): Promise<void> {
  const { runs, api } = services;
  const unfinished = Object.values(runs.getState().byTab).filter(
    (r) => r.promptId !== null && (r.status === 'queued' || r.status === 'running'),
  );
  for (const run of unfinished) {
    const entry = await api.historyEntry(run.promptId!).catch(() => undefined);
    const status = entry ? ownValue(FINAL, entry.status.status_str) : undefined;
    if (entry && status)
      runs.getState().promptResynced({ promptId: run.promptId!, status, outputs: entry.outputs });
  }
}

export function useEventSocket(
  services: EditorServices,
  address: { wsUrl: string; token: string | undefined },
): void {
  useEffect(() => {
    const { runs } = services;
    const socket = connectEventSocket({
      url: address.wsUrl,
      clientId: services.clientId,
      token: address.token,
      onMessage: (message) => runs.getState().messageReceived(message),
      onPreview: (blob) => runs.getState().previewReceived(blob),
      onStatus: (status) => runs.getState().connectionChanged(status),
      onReconnected: () => void resync(services),
    });
    return () => socket.close();
  }, [services, address]);
}
