/**
 * @module
 * Reading and writing a `prompts` row: JSON columns go through zod on the way back in, so a corrupt
 * row becomes a clear error naming the prompt instead of a crash deep in a handler.
 */
import { zDict } from '@momaflow/engine';
import { z } from 'zod';
import {
  type PromptOutcome,
  type PromptSubmission,
  type StoredPrompt,
  zExtraData,
  zPromptError,
  zPromptStatus,
  zSummaryEvent,
  zUiOutputs,
} from './stored-prompt';

const jsonText = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'column is not valid JSON', input: text });
        return z.NEVER;
      }
    })
    .pipe(schema);

const zPromptRow = z.object({
  id: z.string(),
  number: z.number().int(),
  status: zPromptStatus,
  client_id: z.string().nullable(),
  prompt: jsonText(z.unknown()),
  workflow: jsonText(z.unknown()).nullable(),
  targets: jsonText(z.array(z.string())),
  extra: jsonText(zExtraData),
  outputs: jsonText(zUiOutputs),
  timings: jsonText(zDict(z.number())),
  summary: jsonText(z.array(zSummaryEvent)),
  error: jsonText(zPromptError).nullable(),
  queued_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
});

/** A row of the `prompts` table as stored, with parsed JSON columns. */
export function readPromptRow(row: unknown): StoredPrompt {
  const parsed = zPromptRow.safeParse(row);
  if (!parsed.success) {
    const id = typeof row === 'object' && row !== null ? String(Reflect.get(row, 'id')) : '?';
    throw new Error(`stored prompt '${id}' is corrupt: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const r = parsed.data;
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    clientId: r.client_id,
    prompt: r.prompt,
    workflow: r.workflow ?? undefined,
    targets: r.targets,
    extra: r.extra,
    outputs: r.outputs,
    timings: r.timings,
    summary: r.summary,
    error: r.error,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Named parameters for inserting a submission. */
export function submissionParams(submission: PromptSubmission, queuedAt: number) {
  return {
    id: submission.id,
    number: submission.number,
    client_id: submission.clientId,
    prompt: JSON.stringify(submission.prompt),
    workflow: submission.workflow === undefined ? null : JSON.stringify(submission.workflow),
    targets: JSON.stringify(submission.targets),
    extra: JSON.stringify(submission.extra),
    queued_at: queuedAt,
  };
}

/** Named parameters for recording how a run ended. */
export function outcomeParams(id: string, outcome: PromptOutcome) {
  return {
    id,
    status: outcome.status,
    outputs: JSON.stringify(outcome.outputs),
    timings: JSON.stringify(outcome.timings),
    summary: JSON.stringify(outcome.summary),
    error: outcome.error ? JSON.stringify(outcome.error) : null,
    finished_at: outcome.finishedAt,
  };
}
