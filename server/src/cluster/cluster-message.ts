/**
 * @module
 * What workers publish on the events channel, in order per worker connection: a prompt `started`,
 * its executor `event`s, `deferred` (this worker cannot run it, and why) and `settled` (its job is
 * complete; the server reads the outcome from BullMQ). A message is one Buffer: a big-endian u32
 * header length, the JSON header, then the preview image's bytes when the event carries one, so
 * binary previews travel without base64 and reach clients as the same frames.
 */
import type { ExecutionEvent, ExecutionEventType } from '@momaflow/engine';
import { z } from 'zod';

export type ClusterMessage =
  | { readonly kind: 'started'; readonly promptId: string; readonly worker: string }
  | {
      readonly kind: 'event';
      readonly promptId: string;
      readonly worker: string;
      readonly event: ExecutionEvent;
    }
  | { readonly kind: 'deferred'; readonly promptId: string; readonly worker: string; readonly reason: string }
  | { readonly kind: 'settled'; readonly promptId: string; readonly worker: string };

/** Every executor event type, so a header naming another is refused (checked against the union). */
const EVENT_TYPES = {
  execution_start: true,
  execution_cached: true,
  executing: true,
  progress: true,
  executed: true,
  execution_error: true,
  execution_interrupted: true,
  execution_success: true,
} as const satisfies Record<ExecutionEventType, true>;

const zEventType = z.enum(Object.keys(EVENT_TYPES) as [ExecutionEventType, ...ExecutionEventType[]]);
const zBase = { promptId: z.string().min(1), worker: z.string().min(1) };

/**
 * The header. Event fields are kept as sent (loose): the worker runs the same engine, and new event
 * fields (or preview flags) must pass through to clients unchanged.
 */
const zHeader = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), ...zBase }),
  z.object({
    kind: z.literal('event'),
    ...zBase,
    event: z.looseObject({ type: zEventType, promptId: z.string() }),
    preview: z.looseObject({ format: z.enum(['JPEG', 'PNG', 'WEBP']) }).optional(),
  }),
  z.object({ kind: z.literal('deferred'), ...zBase, reason: z.string() }),
  z.object({ kind: z.literal('settled'), ...zBase }),
]);

const HEADER_LENGTH_BYTES = 4;

/**
 * @example
 * await redis.publish(names.events, encodeClusterMessage({ kind: 'started', promptId, worker }));
 */
export function encodeClusterMessage(message: ClusterMessage): Buffer {
  let header: unknown = message;
  let payload: Uint8Array | undefined;
  if (message.kind === 'event' && message.event.type === 'progress' && message.event.preview) {
    const { preview, ...event } = message.event;
    const { bytes, ...previewInfo } = preview;
    header = { ...message, event, preview: previewInfo };
    payload = bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(HEADER_LENGTH_BYTES);
  length.writeUInt32BE(json.length);
  return Buffer.concat(payload ? [length, json, payload] : [length, json]);
}

/** The message, or a reason it cannot be read (logged by the server, never thrown). */
export function decodeClusterMessage(
  buffer: Buffer,
): { ok: true; message: ClusterMessage } | { ok: false; reason: string } {
  if (buffer.length < HEADER_LENGTH_BYTES) return { ok: false, reason: 'message shorter than its header' };
  const end = HEADER_LENGTH_BYTES + buffer.readUInt32BE(0);
  if (end > buffer.length) return { ok: false, reason: 'header longer than the message' };
  let json: unknown;
  try {
    json = JSON.parse(buffer.subarray(HEADER_LENGTH_BYTES, end).toString('utf8'));
  } catch {
    return { ok: false, reason: 'header is not JSON' };
  }
  const parsed = zHeader.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid header' };
  const header = parsed.data;
  if (header.kind !== 'event') return { ok: true, message: header };
  const { preview, event, ...rest } = header;
  const withPreview = preview
    ? { ...event, preview: { ...preview, bytes: new Uint8Array(buffer.subarray(end)) } }
    : event;
  return { ok: true, message: { ...rest, event: withPreview as unknown as ExecutionEvent } };
}

/** The server's interrupts: one prompt, or every running prompt (`promptId: null`). */
export const zControlMessage = z.object({ kind: z.literal('interrupt'), promptId: z.string().nullable() });
export type ControlMessage = z.infer<typeof zControlMessage>;
