/**
 * @module
 * zod schemas for the REST responses the editor reads (the server's ComfyUI-shaped JSON).
 */
import { zDict } from '@momaflow/engine/protocol';
import { z } from 'zod';
import { zUiOutput } from '../../execution/lib/wire-schema';

/** Every error response: `{ error: { type, message, details } }`, plus `node_errors` for prompts. */
export const zApiErrorBody = z.object({
  error: z.object({ type: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** The engine's validation issues, as `POST /prompt` returns them in `error.details.issues`. */
export const zValidationIssue = z.object({
  type: z.string(),
  nodeId: z.string().nullable(),
  classType: z.string().nullable(),
  message: z.string(),
  input: z.string().optional(),
});
export type ValidationIssue = z.infer<typeof zValidationIssue>;
export const zIssuesDetails = z.object({ issues: z.array(zValidationIssue) });

export const zQueuedPrompt = z.object({ prompt_id: z.string(), number: z.number() });

/** ComfyUI's queue tuple: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
export const zQueueTuple = z.tuple([
  z.number(),
  z.string(),
  zDict(z.unknown()),
  zDict(z.unknown()),
  z.array(z.string()),
]);
export const zQueue = z.object({ queue_running: z.array(zQueueTuple), queue_pending: z.array(zQueueTuple) });
export type QueueResponse = z.infer<typeof zQueue>;

export const zHistoryEntry = z.object({
  prompt: zQueueTuple,
  outputs: zDict(zUiOutput).prefault({}),
  status: z.object({ status_str: z.string(), completed: z.boolean() }),
  times: z
    .object({
      queued_at: z.number().nullable(),
      started_at: z.number().nullable(),
      finished_at: z.number().nullable(),
    })
    .partial()
    .optional(),
});
export type HistoryEntry = z.infer<typeof zHistoryEntry>;
export const zHistory = zDict(zHistoryEntry);

export const zExample = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().default(''),
});
export type Example = z.infer<typeof zExample>;

export const zLibraryEntry = z.object({ name: z.string(), size: z.number(), modified: z.number() });
export type LibraryEntry = z.infer<typeof zLibraryEntry>;

export const zUploaded = z.object({ name: z.string(), subfolder: z.string(), type: z.string() });
export type Uploaded = z.infer<typeof zUploaded>;

/** One node pack's load report, as `/api/system_stats` lists it under `node_packs`. */
export const zPackSummary = z.looseObject({
  id: z.string(),
  version: z.string().nullable(),
  status: z.enum(['loaded', 'disabled', 'incompatible', 'failed']),
  sandboxed: z.boolean().optional(),
  nodes: z.array(z.string()).optional(),
  renamed: z.array(z.object({ from: z.string(), to: z.string() })).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type PackSummary = z.infer<typeof zPackSummary>;
export const zSystemStats = z.looseObject({ node_packs: z.array(zPackSummary).default([]) });
