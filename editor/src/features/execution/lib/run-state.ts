/**
 * @module
 * What each node of each open workflow shows about runs: queued/running/cached/done/error, progress,
 * the last preview and output, and validation problems. Pure transitions, one per event; the store
 * calls them and owns the side effects (object URLs).
 */
import { dict, dictFrom, ownValue } from '@momaflow/engine/protocol';
import type { UiOutput, WireMessage } from './wire-schema';

export type NodeRunStatus = 'pending' | 'running' | 'cached' | 'done' | 'error' | 'interrupted';
export type PromptStatus = 'queued' | 'running' | 'success' | 'error' | 'interrupted';

export interface NodeRun {
  readonly status: NodeRunStatus | undefined;
  /** `text`: what the node said it is doing (loading, creating a session...), kept until it says more. */
  readonly progress?: { readonly value: number; readonly max: number; readonly text?: string };
  /** Object URL of the last live preview (the store revokes replaced ones). */
  readonly previewUrl?: string;
  /** The last output (kept across runs until a new one arrives, as ComfyUI does). */
  readonly output?: UiOutput;
  readonly error?: string;
}

/** A validation or execution problem to show on a node (and on one of its inputs when `input` is set). */
export interface NodeIssue {
  readonly type: string;
  readonly message: string;
  readonly input?: string;
}

export interface TabRun {
  readonly promptId: string | null;
  readonly status: PromptStatus | null;
  readonly runningNode: string | null;
  readonly nodes: Readonly<Record<string, NodeRun>>;
  readonly issues: Readonly<Record<string, readonly NodeIssue[]>>;
  /** A problem that belongs to no node (shown in the status bar). */
  readonly message: string | null;
}

export interface RunState {
  readonly byTab: Readonly<Record<string, TabRun>>;
  /** Which tab queued each prompt this session. */
  readonly promptTab: Readonly<Record<string, string>>;
  readonly queueRemaining: number;
}

export const EMPTY_RUN_STATE: RunState = { byTab: {}, promptTab: {}, queueRemaining: 0 };
export const EMPTY_TAB_RUN: TabRun = {
  promptId: null,
  status: null,
  runningNode: null,
  nodes: {},
  issues: {},
  message: null,
};

function withTab(state: RunState, tabId: string, update: (run: TabRun) => TabRun): RunState {
  return { ...state, byTab: { ...state.byTab, [tabId]: update(state.byTab[tabId] ?? EMPTY_TAB_RUN) } };
}

function withNode(run: TabRun, nodeId: string, update: (node: NodeRun) => NodeRun): TabRun {
  return {
    ...run,
    nodes: { ...run.nodes, [nodeId]: update(ownValue(run.nodes, nodeId) ?? { status: undefined }) },
  };
}

/** The previous running node is done when the next one starts (the server sends no "node finished"). */
function finishRunning(run: TabRun): TabRun {
  const id = run.runningNode;
  if (!id || ownValue(run.nodes, id)?.status !== 'running') return run;
  return withNode(run, id, ({ progress: _p, ...node }) => ({ ...node, status: 'done' }));
}

/** A prompt was accepted: its nodes reset to pending, outputs stay until replaced. */
export function promptQueued(
  state: RunState,
  args: { tabId: string; promptId: string; nodeIds: readonly string[] },
): RunState {
  const next = withTab(state, args.tabId, (run) => ({
    ...EMPTY_TAB_RUN,
    promptId: args.promptId,
    status: 'queued',
    nodes: dictFrom(
      args.nodeIds.map((id) => {
        const old = ownValue(run.nodes, id);
        return [id, { status: 'pending', ...(old?.output ? { output: old.output } : {}) } satisfies NodeRun];
      }),
    ),
  }));
  return { ...next, promptTab: { ...next.promptTab, [args.promptId]: args.tabId } };
}

/** The server refused the prompt: problems go on their nodes, the rest in the status bar. */
export function promptRejected(
  state: RunState,
  args: { tabId: string; issues: readonly (NodeIssue & { nodeId: string | null })[]; message: string },
): RunState {
  const issues = dict<NodeIssue[]>();
  for (const { nodeId, ...issue } of args.issues) {
    if (nodeId === null) continue;
    const list = issues[nodeId] ?? [];
    list.push(issue);
    issues[nodeId] = list;
  }
  const general = args.issues.filter((i) => i.nodeId === null).map((i) => i.message);
  return withTab(state, args.tabId, (run) => ({
    ...run,
    status: null,
    issues,
    message: general.length > 0 ? general.join('; ') : Object.keys(issues).length > 0 ? null : args.message,
  }));
}

/** Clears a node's problems once the user edits it (they may no longer hold). */
export function nodeIssuesCleared(state: RunState, args: { tabId: string; nodeId: string }): RunState {
  const run = state.byTab[args.tabId];
  if (!run || !ownValue(run.issues, args.nodeId)) return state;
  const { [args.nodeId]: _gone, ...issues } = run.issues;
  return withTab(state, args.tabId, (r) => ({ ...r, issues }));
}

/** A live preview arrived for the node that is running now. */
export function previewReceived(state: RunState, args: { tabId: string; url: string }): RunState {
  return withTab(state, args.tabId, (run) =>
    run.runningNode ? withNode(run, run.runningNode, (node) => ({ ...node, previewUrl: args.url })) : run,
  );
}

/** The tab that should receive a message about `promptId`, if this session queued it. */
export function tabOfPrompt(state: RunState, promptId: string): string | undefined {
  return ownValue(state.promptTab, promptId);
}

function onPrompt(run: TabRun, message: Exclude<WireMessage, { type: 'status' | 'error' }>): TabRun {
  switch (message.type) {
    case 'execution_start':
      return { ...run, status: 'running' };
    case 'execution_cached':
      return message.data.nodes.reduce((r, id) => withNode(r, id, (n) => ({ ...n, status: 'cached' })), run);
    case 'executing': {
      const done = finishRunning(run);
      const id = message.data.node;
      if (id === null) return { ...done, runningNode: null };
      return { ...withNode(done, id, (n) => ({ ...n, status: 'running' })), runningNode: id };
    }
    case 'progress':
      return withNode(run, message.data.node, (n) => ({
        ...n,
        status: 'running',
        progress: {
          value: message.data.value,
          max: message.data.max,
          ...((message.data.text ?? n.progress?.text) === undefined
            ? {}
            : { text: message.data.text ?? n.progress?.text }),
        },
      }));
    case 'executed':
      return withNode(run, message.data.node, ({ progress: _p, ...n }) => ({
        ...n,
        status: message.data.cached ? 'cached' : 'done',
        output: message.data.output,
      }));
    case 'execution_error':
      return {
        ...withNode(run, message.data.node_id, ({ progress: _p, ...n }) => ({
          ...n,
          status: 'error',
          error: `${message.data.exception_type}: ${message.data.exception_message}`,
        })),
        status: 'error',
        runningNode: null,
        issues: {
          ...run.issues,
          [message.data.node_id]: [{ type: 'execution_error', message: message.data.exception_message }],
        },
      };
    case 'execution_interrupted': {
      const id = message.data.node_id;
      const marked = id
        ? withNode(run, id, ({ progress: _p, ...n }) => ({ ...n, status: 'interrupted' }))
        : run;
      return { ...marked, status: 'interrupted', runningNode: null };
    }
    case 'execution_success':
      return { ...finishRunning(run), status: 'success', runningNode: null };
  }
}

/**
 * Applies one WebSocket message. Messages about prompts other sessions queued change only the
 * queue size.
 * @example
 * state = messageReceived(state, parsed);
 */
export function messageReceived(state: RunState, message: WireMessage): RunState {
  if (message.type === 'status')
    return { ...state, queueRemaining: message.data.status.exec_info.queue_remaining };
  if (message.type === 'error') return state;
  const tabId = tabOfPrompt(state, message.data.prompt_id);
  const run = tabId ? state.byTab[tabId] : undefined;
  if (!tabId || !run || run.promptId !== message.data.prompt_id) return state;
  return withTab(state, tabId, (r) => onPrompt(r, message));
}

/**
 * After a reconnect: a prompt that finished while the socket was down gets its final status and
 * outputs from history (the events it missed are gone).
 */
export function promptResynced(
  state: RunState,
  args: { promptId: string; status: PromptStatus; outputs: Readonly<Record<string, UiOutput>> },
): RunState {
  const tabId = tabOfPrompt(state, args.promptId);
  const run = tabId ? state.byTab[tabId] : undefined;
  if (!tabId || !run || run.promptId !== args.promptId) return state;
  const settled = Object.entries(args.outputs).reduce(
    (r, [id, output]) => withNode(r, id, ({ progress: _p, ...n }) => ({ ...n, status: 'done', output })),
    run,
  );
  const nodes = Object.fromEntries(
    Object.entries(settled.nodes).map(([id, node]) => {
      const { progress: _p, ...rest } = node;
      return [id, node.status === 'running' ? { ...rest, status: 'done' as const } : node];
    }),
  );
  return withTab(state, tabId, () => ({ ...settled, nodes, status: args.status, runningNode: null }));
}
