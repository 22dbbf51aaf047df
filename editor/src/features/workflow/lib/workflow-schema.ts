/**
 * @module
 * A browser-safe copy of the engine's saved-workflow schemas (v1 frozen, v2 current). The engine's
 * package index pulls in onnxruntime-node and node:fs, so the editor cannot import its runtime code;
 * `test/browser/engine-contract.test-d.ts` proves the types equal the engine's, and
 * `parse-workflow.test.ts` runs both parsers on the same documents.
 */
import { z } from 'zod';

/** The `format` tag of a saved workflow. */
export const WORKFLOW_FORMAT = 'momaflow.workflow';
/** The version this editor writes. */
export const WORKFLOW_VERSION = 2;

const zPoint = z.tuple([z.number().finite(), z.number().finite()]);
const zRect = z.tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()]);

/** always: runs; muted: removed from the executable graph; bypassed: inputs passed through by type. */
export const zNodeMode = z.enum(['always', 'muted', 'bypassed']);
export type NodeMode = z.infer<typeof zNodeMode>;

export const zWorkflowNode = z.object({
  class_type: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).default({}),
  title: z.string().optional(),
  pos: zPoint.default([0, 0]),
  size: zPoint.optional(),
  mode: zNodeMode.default('always'),
  collapsed: z.boolean().optional(),
  color: z.string().optional(),
});
export type WorkflowNode = z.infer<typeof zWorkflowNode>;

export const zWorkflowGroup = z.object({
  id: z.string().min(1),
  title: z.string(),
  bounding: zRect,
  color: z.string().optional(),
});
export type WorkflowGroup = z.infer<typeof zWorkflowGroup>;

export const zWorkflowNote = z.object({
  id: z.string().min(1),
  text: z.string(),
  pos: zPoint,
  size: zPoint.optional(),
  color: z.string().optional(),
});
export type WorkflowNote = z.infer<typeof zWorkflowNote>;

export const zWorkflow = z.object({
  format: z.literal(WORKFLOW_FORMAT),
  version: z.literal(WORKFLOW_VERSION),
  name: z.string().optional(),
  description: z.string().optional(),
  nodes: z.record(z.string().min(1), zWorkflowNode),
  groups: z.array(zWorkflowGroup).default([]),
  notes: z.array(zWorkflowNote).default([]),
  extra: z.record(z.string(), z.unknown()).default({}),
});
/** A saved workflow, version 2. */
export type Workflow = z.infer<typeof zWorkflow>;

/** Frozen schema of version 1 files: a node list with numeric ids, widgets and links kept apart. */
export const zWorkflowV1 = z.object({
  version: z.literal(1),
  nodes: z.array(
    z.object({
      id: z.number().int().nonnegative(),
      type: z.string().min(1),
      title: z.string().optional(),
      pos: z.tuple([z.number(), z.number()]),
      size: z.tuple([z.number(), z.number()]).optional(),
      widgets: z.record(z.string(), z.unknown()).default({}),
      links: z
        .record(
          z.string(),
          z.object({ node: z.number().int().nonnegative(), slot: z.number().int().nonnegative() }),
        )
        .default({}),
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

/** A link `[nodeId, outputIndex]` as the executable graph writes it. */
export type Link = readonly [string, number];

/**
 * The link in `value`, normalised to a string id (ComfyUI clients also send numeric ids).
 * @example
 * asLink(['4', 0]) // ['4', 0]
 * asLink(7) // undefined
 */
export function asLink(value: unknown): Link | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, index] = value as [unknown, unknown];
  const validId =
    (typeof id === 'string' && id.length > 0) || (Number.isSafeInteger(id) && (id as number) >= 0);
  if (!validId || !Number.isSafeInteger(index) || (index as number) < 0) return undefined;
  return [String(id), index as number];
}
