/**
 * @module
 * Run state of every tab, fed by the WebSocket and by queue responses. Wraps the pure transitions of
 * `run-state.ts` and owns the preview object URLs (revoked when replaced).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  EMPTY_RUN_STATE,
  messageReceived,
  type NodeIssue,
  nodeIssuesCleared,
  type PromptStatus,
  previewReceived,
  promptQueued,
  promptRejected,
  promptResynced,
  type RunState,
} from '../lib/run-state';
import type { UiOutput, WireMessage } from '../lib/wire-schema';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface RunStoreState extends RunState {
  readonly connection: ConnectionStatus;
  connectionChanged(status: ConnectionStatus): void;
  promptQueued(args: { tabId: string; promptId: string; nodeIds: readonly string[] }): void;
  promptRejected(args: {
    tabId: string;
    issues: readonly (NodeIssue & { nodeId: string | null })[];
    message: string;
  }): void;
  nodeEdited(args: { tabId: string; nodeId: string }): void;
  messageReceived(message: WireMessage): void;
  previewReceived(blob: Blob): void;
  promptResynced(args: {
    promptId: string;
    status: PromptStatus;
    outputs: Readonly<Record<string, UiOutput>>;
  }): void;
}

export type RunStore = StoreApi<RunStoreState>;

function previewUrls(state: RunState): Set<string> {
  const urls = new Set<string>();
  for (const run of Object.values(state.byTab)) {
    for (const node of Object.values(run.nodes)) if (node.previewUrl) urls.add(node.previewUrl);
  }
  return urls;
}

/**
 * @example
 * const runs = createRunStore({ createUrl: URL.createObjectURL, revokeUrl: URL.revokeObjectURL });
 */
export function createRunStore(urls: {
  createUrl: (blob: Blob) => string;
  revokeUrl: (url: string) => void;
}): RunStore {
  return createStore<RunStoreState>()((set, get) => {
    const transition = (next: (state: RunState) => RunState) => {
      const before = get();
      const after = next(before);
      if (after === before) return;
      const kept = previewUrls(after);
      for (const url of previewUrls(before)) if (!kept.has(url)) urls.revokeUrl(url);
      set({ byTab: after.byTab, promptTab: after.promptTab, queueRemaining: after.queueRemaining });
    };
    return {
      ...EMPTY_RUN_STATE,
      connection: 'connecting',
      connectionChanged: (connection) => set({ connection }),
      promptQueued: (args) => transition((s) => promptQueued(s, args)),
      promptRejected: (args) => transition((s) => promptRejected(s, args)),
      nodeEdited: (args) => transition((s) => nodeIssuesCleared(s, args)),
      messageReceived: (message) => transition((s) => messageReceived(s, message)),
      promptResynced: (args) => transition((s) => promptResynced(s, args)),
      previewReceived: (blob) => {
        // Previews carry no prompt id: they belong to whichever of our prompts is running now.
        const tabId = Object.entries(get().byTab).find(
          ([, run]) => run.status === 'running' && run.runningNode,
        )?.[0];
        if (!tabId) return;
        const url = urls.createUrl(blob);
        transition((s) => previewReceived(s, { tabId, url }));
      },
    };
  });
}
