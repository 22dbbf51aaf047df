/**
 * @module
 * Renders executor events for `momaflow run`: a redrawn progress bar per node on a TTY, plain lines
 * otherwise, or one JSON object per line (`--json`, previews as base64).
 */
import type { ExecutionEvent, ValidatedPrompt } from '@momaflow/engine';

export type ReportMode = 'tty' | 'plain' | 'json';

export interface Reporter {
  readonly onEvent: (event: ExecutionEvent) => void;
  /** Ends a pending progress line. */
  readonly finish: () => void;
}

const BAR_WIDTH = 24;

export function progressBar(value: number, max: number): string {
  const ratio = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
}

/** The JSON form of an event: binary previews become base64 so every line is plain JSON. */
export function eventToJson(event: ExecutionEvent): string {
  if (event.type === 'progress' && event.preview) {
    const { preview, ...rest } = event;
    return JSON.stringify({
      ...rest,
      preview: { format: preview.format, base64: Buffer.from(preview.bytes).toString('base64') },
    });
  }
  return JSON.stringify(event);
}

/** One human line per event, or undefined for events that print nothing in that mode. */
export function eventLine(event: ExecutionEvent, prompt: ValidatedPrompt): string | undefined {
  const label = (id: string) => `${prompt.nodes.get(id)?.classType ?? '?'} #${id}`;
  switch (event.type) {
    case 'execution_start':
      return `running ${prompt.nodes.size} node(s)`;
    case 'execution_cached':
      return event.nodes.length > 0 ? `cached: ${event.nodes.map(label).join(', ')}` : undefined;
    case 'executing':
      return `${label(event.nodeId)} ...`;
    case 'progress': {
      const bar = `${label(event.nodeId)} ${progressBar(event.value, event.max)} ${event.value}/${event.max}`;
      return event.text === undefined ? bar : `${bar} ${event.text}`;
    }
    case 'executed':
      return undefined;
    case 'execution_error':
      return `error in ${label(event.nodeId)}: ${event.message}`;
    case 'execution_interrupted':
      return `interrupted${event.nodeId ? ` in ${label(event.nodeId)}` : ''}`;
    case 'execution_success':
      return `done in ${(event.durationMs / 1000).toFixed(2)} s`;
  }
}

export function createReporter(
  mode: ReportMode,
  prompt: ValidatedPrompt,
  write: (text: string) => void,
): Reporter {
  let open = false;
  // What each node last said it is doing stays beside its bar until it says something else.
  const texts = new Map<string, string>();
  const withText = (event: ExecutionEvent): ExecutionEvent => {
    if (event.type !== 'progress') return event;
    if (event.text !== undefined) texts.set(event.nodeId, event.text);
    const text = texts.get(event.nodeId);
    return text === undefined ? event : { ...event, text };
  };
  const finish = () => {
    if (open) write('\n');
    open = false;
  };
  return {
    finish,
    onEvent(event) {
      if (mode === 'json') {
        write(`${eventToJson(event)}\n`);
        return;
      }
      const line = eventLine(withText(event), prompt);
      if (line === undefined) return;
      if (mode === 'tty' && (event.type === 'progress' || event.type === 'executing')) {
        // Redraw the current node's line in place instead of scrolling.
        write(`\r\x1b[2K${line}`);
        open = true;
        return;
      }
      if (mode === 'plain' && event.type === 'progress' && event.value !== event.max && event.value !== 0)
        return;
      finish();
      write(`${line}\n`);
    },
  };
}
