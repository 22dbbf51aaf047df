/**
 * @module
 * What the store keeps per prompt, and the zod schemas that read its JSON columns back: persisted
 * data is an edge like any other (a file written by an older build, a hand-edited database).
 */
import type { ExecutionEventOf, NodeTimings, UiOutput } from '@momaflow/engine';
import { zDict } from '@momaflow/engine';
import { z } from 'zod';

/** Queued, then running, then one of the finished statuses. */
export const PROMPT_STATUSES = ['queued', 'running', 'success', 'error', 'interrupted'] as const;
/** A stored status. */
export const zPromptStatus = z.enum(PROMPT_STATUSES);
export type PromptStatus = z.infer<typeof zPromptStatus>;
/** The statuses of a finished prompt: what history holds. */
export type FinishedStatus = Extract<PromptStatus, 'success' | 'error' | 'interrupted'>;

/** The events kept in history as a summary of a run (ComfyUI's `status.messages`), without stacks. */
export type SummaryEvent =
  | ExecutionEventOf<'execution_start'>
  | ExecutionEventOf<'execution_cached'>
  | ExecutionEventOf<'execution_success'>
  | Omit<ExecutionEventOf<'execution_error'>, 'stack'>
  | ExecutionEventOf<'execution_interrupted'>;

const zTimings = zDict(z.number());
const zBase = { promptId: z.string(), timestamp: z.number() };
const zExecutedTimings = { executed: z.array(z.string()), timings: zTimings };

/** Reads a stored summary event back. */
export const zSummaryEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('execution_start'), ...zBase }),
  z.object({ type: z.literal('execution_cached'), ...zBase, nodes: z.array(z.string()) }),
  z.object({ type: z.literal('execution_success'), ...zBase, timings: zTimings, durationMs: z.number() }),
  z.object({
    type: z.literal('execution_error'),
    ...zBase,
    ...zExecutedTimings,
    nodeId: z.string(),
    classType: z.string(),
    errorType: z.string(),
    message: z.string(),
  }),
  z.object({
    type: z.literal('execution_interrupted'),
    ...zBase,
    ...zExecutedTimings,
    nodeId: z.string().nullable(),
    classType: z.string().nullable(),
  }),
]) satisfies z.ZodType<SummaryEvent>;

/** Reads stored UI outputs back. */
export const zUiOutputs = zDict(zDict(z.array(z.unknown()))) satisfies z.ZodType<Record<string, UiOutput>>;

/** Where and why a prompt failed. */
export const zPromptError = z.object({ nodeId: z.string(), classType: z.string(), message: z.string() });
export type PromptError = z.infer<typeof zPromptError>;

/** Extra data sent with a prompt (ComfyUI's `extra_data`), kept as sent apart from its size limit. */
export const zExtraData = zDict(z.unknown());
export type ExtraData = z.infer<typeof zExtraData>;

/** A prompt as submitted: what the queue needs to run it again after a restart. */
export interface PromptSubmission {
  readonly id: string;
  /** Queue position key (ComfyUI's `number`): lower runs first; `front` submissions are negative. */
  readonly number: number;
  readonly clientId: string | null;
  /** The executable graph. */
  readonly prompt: unknown;
  /** The saved workflow (with editor layout), when the client sent one. */
  readonly workflow: unknown;
  /** The output nodes to execute. */
  readonly targets: readonly string[];
  readonly extra: ExtraData;
}

/** How a run ended, as the worker reports it. */
export interface PromptOutcome {
  readonly status: FinishedStatus;
  readonly outputs: Readonly<Record<string, UiOutput>>;
  readonly timings: NodeTimings;
  readonly summary: readonly SummaryEvent[];
  readonly error: PromptError | null;
  readonly finishedAt: number;
}

/** Reads an outcome reported from elsewhere (a cluster worker's job result). */
export const zPromptOutcome = z.object({
  status: z.enum(['success', 'error', 'interrupted']),
  outputs: zUiOutputs,
  timings: zTimings,
  summary: z.array(zSummaryEvent),
  error: zPromptError.nullable(),
  finishedAt: z.number(),
}) satisfies z.ZodType<PromptOutcome>;

/**
 * The outcome of a prompt that ends before any node ran: cancelled while queued, or found running
 * after a crash. Its summary is the one `execution_interrupted` event a live interrupt would record.
 */
export function interruptedOutcome(promptId: string, at: number): PromptOutcome {
  return {
    status: 'interrupted',
    outputs: {},
    timings: {},
    summary: [
      {
        type: 'execution_interrupted',
        promptId,
        nodeId: null,
        classType: null,
        executed: [],
        timings: {},
        timestamp: at,
      },
    ],
    error: null,
    finishedAt: at,
  };
}

export interface StoredPrompt extends PromptSubmission {
  readonly status: PromptStatus;
  readonly outputs: Readonly<Record<string, UiOutput>>;
  readonly timings: NodeTimings;
  readonly summary: readonly SummaryEvent[];
  readonly error: PromptError | null;
  readonly queuedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}
