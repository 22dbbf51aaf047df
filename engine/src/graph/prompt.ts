/**
 * @module
 * The executable graph ("prompt", ComfyUI's API format): node id -> `{ class_type, inputs }`, where an input
 * is a literal or a link `[nodeId, outputIndex]`.
 */
import { z } from 'zod';
import { zDict } from '../dictionary/z-dict';
import { type PackRef, zPackRef } from './pack-ref';

export type NodeId = string;
export type Link = readonly [NodeId, number];

export interface PromptNode {
  readonly class_type: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** ComfyUI's display metadata, plus the node pack the type came from (carried from the saved workflow). */
  readonly _meta?: { readonly title?: string; readonly pack?: PackRef };
}
export type Prompt = Readonly<Record<NodeId, PromptNode>>;

export const zLink = z.tuple([
  z.union([z.string().min(1), z.number().int().nonnegative()]),
  z.number().int().nonnegative(),
]);

export const zPromptNode = z.object({
  class_type: z.string().min(1),
  inputs: zDict(z.unknown()).prefault({}),
  _meta: z.object({ title: z.string().optional(), pack: zPackRef.optional() }).optional(),
});

/** A link in either spelling ComfyUI clients send (`["4", 0]` or `[4, 0]`), normalised to a string id. */
export function asLink(value: unknown): Link | undefined {
  // Hand-written rather than zLink.safeParse: this runs for every input of every node on each validation.
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, index] = value as [unknown, unknown];
  const validId =
    (typeof id === 'string' && id.length > 0) || (Number.isSafeInteger(id) && (id as number) >= 0);
  if (!validId || !Number.isSafeInteger(index) || (index as number) < 0) return undefined;
  return [String(id), index as number];
}

export function isLink(value: unknown): value is Link {
  return asLink(value) !== undefined;
}
