/**
 * @module
 * Messages a WebSocket client may send, parsed with zod at the edge. `subscribe` switches between
 * the client's own prompts and every prompt; `feature_flags` (sent by ComfyUI's frontend) is accepted
 * and ignored.
 */
import { z } from 'zod';

/** A client message: JSON text `{ type, data }`. */
export const zClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), data: z.object({ all: z.boolean() }) }),
  z.object({ type: z.literal('feature_flags'), data: z.unknown().optional() }),
]);
export type ClientMessage = z.infer<typeof zClientMessage>;

/** Client ids: what ComfyUI clients generate (uuid, hex) and nothing that could smuggle markup. */
export const zClientId = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a client id is 1-128 letters, digits, "_", "." or "-"');
