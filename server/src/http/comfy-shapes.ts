/**
 * @module
 * ComfyUI's response shapes, built from our typed values at the edge: queue items, history entries
 * and per-node validation errors. Existing ComfyUI client scripts read these as they are.
 */
import { dict, dictFrom, type ValidationIssue } from '@momaflow/engine';
import { toWireMessage } from '../protocol';
import type { QueueItem } from '../queue';
import type { StoredPrompt, SummaryEvent } from '../store';

/** ComfyUI's queue tuple: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
export type QueueTuple = readonly [number, string, unknown, Record<string, unknown>, readonly string[]];

/** A queue item as ComfyUI lists it (also the `prompt` of a history entry). */
export function queueTuple(
  item: Pick<QueueItem, 'number' | 'id' | 'prompt' | 'extra' | 'clientId' | 'targets'>,
): QueueTuple {
  return [item.number, item.id, item.prompt, { ...item.extra, client_id: item.clientId }, item.targets];
}

function summaryMessage(event: SummaryEvent): readonly [string, unknown] {
  const message = toWireMessage(event.type === 'execution_error' ? { ...event, stack: undefined } : event);
  return [message.type, message.data];
}

/** One history entry (the value under the prompt id in `GET /history`). */
export function historyEntry(stored: StoredPrompt) {
  return {
    prompt: queueTuple(stored),
    outputs: stored.outputs,
    status: {
      status_str: stored.status,
      completed: stored.status === 'success',
      messages: stored.summary.map(summaryMessage),
    },
    meta: dictFrom(
      Object.keys(stored.outputs).map((node) => [
        node,
        { node_id: node, display_node: node, parent_node: null, real_node_id: node },
      ]),
    ),
    timings: stored.timings,
    error: stored.error,
    times: { queued_at: stored.queuedAt, started_at: stored.startedAt, finished_at: stored.finishedAt },
  };
}

/** ComfyUI's `node_errors`: issues grouped by node. */
export function nodeErrors(issues: readonly ValidationIssue[]) {
  const byNode = dict<{
    errors: { type: string; message: string; details: string; extra_info: Record<string, unknown> }[];
    dependent_outputs: string[];
    class_type: string | null;
  }>();
  for (const issue of issues) {
    if (issue.nodeId === null) continue;
    const entry = byNode[issue.nodeId] ?? { errors: [], dependent_outputs: [], class_type: issue.classType };
    byNode[issue.nodeId] = entry;
    entry.errors.push({
      type: issue.type,
      message: issue.message,
      details: issue.input ?? '',
      extra_info: {
        ...(issue.input ? { input_name: issue.input } : {}),
        ...(issue.received !== undefined ? { received_value: issue.received } : {}),
        ...(issue.expected !== undefined ? { expected: issue.expected } : {}),
      },
    });
  }
  return byNode;
}
