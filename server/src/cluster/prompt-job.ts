/**
 * @module
 * A BullMQ job: everything a worker needs to run a prompt (workers never see the server's database),
 * read back with zod on the worker. Its id is the prompt id plus its queue number, so a prompt queued
 * again after it finished gets a fresh job and never meets the old one's result.
 */
import { z } from 'zod';
import type { QueueItem } from '../queue';
import { zExtraData } from '../store';
import { type PromptRequirements, zPromptRequirements } from './prompt-requirements';

/** An input-folder file a prompt reads, with its hash, so a worker fetches it only when it differs. */
export const zInputFile = z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type InputFile = z.infer<typeof zInputFile>;

export const zPromptJob = z.object({
  promptId: z.string(),
  number: z.number().int(),
  clientId: z.string().nullable(),
  prompt: z.unknown(),
  workflow: z.unknown().optional(),
  targets: z.array(z.string()),
  extra: zExtraData,
  requires: zPromptRequirements,
  inputs: z.array(zInputFile),
});
export type PromptJob = z.infer<typeof zPromptJob>;

/** The BullMQ job id of a queued prompt. */
export const jobIdOf = (item: Pick<QueueItem, 'id' | 'number'>) => `${item.id}@${item.number}`;

/** The job of a queued prompt. */
export function promptJob(
  item: QueueItem,
  requires: PromptRequirements,
  inputs: readonly InputFile[],
): PromptJob {
  return {
    promptId: item.id,
    number: item.number,
    clientId: item.clientId,
    prompt: item.prompt,
    workflow: item.workflow,
    targets: [...item.targets],
    extra: item.extra,
    requires,
    inputs: [...inputs],
  };
}
