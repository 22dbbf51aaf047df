/**
 * @module
 * Maps the executor's typed events to wire messages: one builder per event type, checked by the
 * compiler to cover every type, and nothing else (stack traces stay on the server).
 */
import type { ExecutionEvent, ExecutionEventOf, ExecutionEventType } from '@momaflow/engine/protocol';
import type { WireMessage, WireMessageOf } from './wire-message';

type Builders = { readonly [K in ExecutionEventType]: (event: ExecutionEventOf<K>) => WireMessageOf<K> };

const BUILDERS = {
  execution_start: (e) => ({ type: e.type, data: { prompt_id: e.promptId, timestamp: e.timestamp } }),
  execution_cached: (e) => ({
    type: e.type,
    data: { prompt_id: e.promptId, nodes: e.nodes, timestamp: e.timestamp },
  }),
  executing: (e) => ({
    type: e.type,
    data: { prompt_id: e.promptId, node: e.nodeId, display_node: e.nodeId },
  }),
  progress: (e) => ({
    type: e.type,
    data: {
      prompt_id: e.promptId,
      node: e.nodeId,
      value: e.value,
      max: e.max,
      ...(e.phase === undefined ? {} : { phase: e.phase }),
      ...(e.text === undefined ? {} : { text: e.text }),
    },
  }),
  executed: (e) => ({
    type: e.type,
    data: {
      prompt_id: e.promptId,
      node: e.nodeId,
      display_node: e.nodeId,
      output: e.output,
      cached: e.cached,
    },
  }),
  execution_error: (e) => ({
    type: e.type,
    data: {
      prompt_id: e.promptId,
      node_id: e.nodeId,
      node_type: e.classType,
      executed: e.executed,
      exception_message: e.message,
      exception_type: e.errorType,
      traceback: [],
      timestamp: e.timestamp,
    },
  }),
  execution_interrupted: (e) => ({
    type: e.type,
    data: {
      prompt_id: e.promptId,
      node_id: e.nodeId,
      node_type: e.classType,
      executed: e.executed,
      timestamp: e.timestamp,
    },
  }),
  execution_success: (e) => ({
    type: e.type,
    data: { prompt_id: e.promptId, timestamp: e.timestamp, duration_ms: e.durationMs },
  }),
} satisfies Builders;

/**
 * @example
 * socket.send(JSON.stringify(toWireMessage(event)));
 */
export function toWireMessage(event: ExecutionEvent): WireMessage {
  const build = BUILDERS[event.type] as (e: ExecutionEvent) => WireMessage;
  return build(event);
}

/** The frame that ends a prompt for ComfyUI clients: `executing` with `node: null`. */
export function promptDoneMessage(promptId: string): WireMessageOf<'executing'> {
  return { type: 'executing', data: { prompt_id: promptId, node: null, display_node: null } };
}

/** The queue-size message sent on connect (with the client's id) and whenever the queue changes. */
export function statusMessage(queueRemaining: number, sid?: string): WireMessageOf<'status'> {
  return {
    type: 'status',
    data: { status: { exec_info: { queue_remaining: queueRemaining } }, ...(sid ? { sid } : {}) },
  };
}
