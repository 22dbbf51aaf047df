/**
 * @module
 * The executable graph ("prompt", ComfyUI's API format): node id -> `{ class_type, inputs }`, where an input
 * is a literal or a link `[nodeId, outputIndex]`.
 */
import { z } from 'zod';

export type NodeId = string;
export type Link = readonly [NodeId, number];

export interface PromptNode {
  readonly class_type: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly _meta?: { readonly title?: string };
}
export type Prompt = Readonly<Record<NodeId, PromptNode>>;

export const zLink = z.tuple([
  z.union([z.string().min(1), z.number().int().nonnegative()]),
  z.number().int().nonnegative(),
]);

export const zPromptNode = z.object({
  class_type: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).default({}),
  _meta: z.object({ title: z.string().optional() }).optional(),
});

/** A link in either spelling ComfyUI clients send (`["4", 0]` or `[4, 0]`), normalised to a string id. */
export function asLink(value: unknown): Link | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const parsed = zLink.safeParse(value);
  return parsed.success ? [String(parsed.data[0]), parsed.data[1]] : undefined;
}

export function isLink(value: unknown): value is Link {
  return asLink(value) !== undefined;
}
