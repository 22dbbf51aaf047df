/**
 * @module
 * zod schemas for the server's WebSocket JSON frames (ComfyUI's names and snake_case data), parsed
 * at the edge. The server declares its frames as types only (`WireMessage` in
 * `@momaflow/server/protocol`), so the runtime check lives here; `test/browser/engine-contract.test-d.ts`
 * proves every server frame type fits this schema and `protocol-contract.test.ts` parses real ones.
 */
import { z } from 'zod';

export const zFileRef = z.object({
  filename: z.string(),
  subfolder: z.string().default(''),
  type: z.enum(['output', 'temp', 'input']).default('output'),
});
export type FileRef = z.infer<typeof zFileRef>;

/** What an output node shows: images (file refs), text, and other lists carried along. */
export const zUiOutput = z
  .object({ images: z.array(zFileRef).optional(), text: z.array(z.string()).optional() })
  .catchall(z.array(z.unknown()).optional());
export type UiOutput = z.infer<typeof zUiOutput>;

const zPromptId = z.string();

export const zWireMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('status'),
    data: z.object({
      status: z.object({ exec_info: z.object({ queue_remaining: z.number() }) }),
      sid: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal('execution_start'),
    data: z.object({ prompt_id: zPromptId, timestamp: z.number() }),
  }),
  z.object({
    type: z.literal('execution_cached'),
    data: z.object({ prompt_id: zPromptId, nodes: z.array(z.string()), timestamp: z.number() }),
  }),
  z.object({
    type: z.literal('executing'),
    data: z.object({
      prompt_id: zPromptId,
      node: z.string().nullable(),
      display_node: z.string().nullable(),
    }),
  }),
  z.object({
    type: z.literal('progress'),
    data: z.object({
      prompt_id: zPromptId,
      node: z.string(),
      value: z.number(),
      max: z.number(),
      phase: z.enum(['load', 'build', 'session', 'compute']).optional(),
      text: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal('executed'),
    data: z.object({
      prompt_id: zPromptId,
      node: z.string(),
      display_node: z.string(),
      output: zUiOutput,
      cached: z.boolean(),
    }),
  }),
  z.object({
    type: z.literal('execution_error'),
    data: z.object({
      prompt_id: zPromptId,
      node_id: z.string(),
      node_type: z.string(),
      executed: z.array(z.string()),
      exception_message: z.string(),
      exception_type: z.string(),
      traceback: z.array(z.string()),
      timestamp: z.number(),
    }),
  }),
  z.object({
    type: z.literal('execution_interrupted'),
    data: z.object({
      prompt_id: zPromptId,
      node_id: z.string().nullable(),
      node_type: z.string().nullable(),
      executed: z.array(z.string()),
      timestamp: z.number(),
    }),
  }),
  z.object({
    type: z.literal('execution_success'),
    data: z.object({ prompt_id: zPromptId, timestamp: z.number(), duration_ms: z.number() }),
  }),
  z.object({ type: z.literal('error'), data: z.object({ type: z.string(), message: z.string() }) }),
]);
export type WireMessage = z.infer<typeof zWireMessage>;
export type WireMessageType = WireMessage['type'];
