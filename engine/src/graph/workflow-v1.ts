/**
 * @module
 * Frozen schema of saved workflows version 1: a node list with numeric ids, widget values and links kept
 * apart. Only read, to migrate old files; never written.
 */
import { z } from 'zod';
import { zDict } from '../dictionary/z-dict';

const zPoint = z.tuple([z.number(), z.number()]);

export const zWorkflowV1 = z.object({
  version: z.literal(1),
  nodes: z.array(
    z.object({
      id: z.number().int().nonnegative(),
      type: z.string().min(1),
      title: z.string().optional(),
      pos: zPoint,
      size: zPoint.optional(),
      widgets: zDict(z.unknown()).prefault({}),
      links: zDict(
        z.object({ node: z.number().int().nonnegative(), slot: z.number().int().nonnegative() }),
      ).prefault({}),
      bypass: z.boolean().default(false),
    }),
  ),
  groups: z
    .array(
      z.object({ title: z.string(), bounding: z.tuple([z.number(), z.number(), z.number(), z.number()]) }),
    )
    .default([]),
});
export type WorkflowV1 = z.infer<typeof zWorkflowV1>;
