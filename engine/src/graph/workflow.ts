/**
 * @module
 * The saved workflow format (current version 2): the executable graph plus the editor's layout in one
 * versioned JSON document. Each node entry is a prompt node (`class_type`, `inputs`) with layout fields
 * beside it, so the executable graph is the nodes minus their layout.
 */
import { z } from 'zod';
import { zDict } from '../dictionary/z-dict';
import { zPackRef } from './pack-ref';

export const WORKFLOW_FORMAT = 'momaflow.workflow';
export const WORKFLOW_VERSION = 2;

const zPoint = z.tuple([z.number().finite(), z.number().finite()]);
const zRect = z.tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()]);

/** always: runs; muted: removed from the executable graph; bypassed: inputs passed through by type. */
export const zNodeMode = z.enum(['always', 'muted', 'bypassed']);
export type NodeMode = z.infer<typeof zNodeMode>;

export const zWorkflowNode = z.object({
  class_type: z.string().min(1),
  inputs: zDict(z.unknown()).prefault({}),
  title: z.string().optional(),
  pos: zPoint.default([0, 0]),
  size: zPoint.optional(),
  mode: zNodeMode.default('always'),
  collapsed: z.boolean().optional(),
  color: z.string().optional(),
  /** The node pack (id, version) the node type came from when the workflow was saved. */
  pack: zPackRef.optional(),
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

/** The key of `extra` holding seed widgets' "control after generate": `{ nodeId: { input: mode } }`. */
export const SEED_CONTROL_KEY = 'seed_control';
/** ComfyUI's "control after generate" modes for seed widgets. */
export const SEED_CONTROL_MODES = ['fixed', 'increment', 'decrement', 'randomize'] as const;
export type SeedControl = (typeof SEED_CONTROL_MODES)[number];

export const zWorkflow = z.object({
  format: z.literal(WORKFLOW_FORMAT),
  version: z.literal(WORKFLOW_VERSION),
  name: z.string().optional(),
  description: z.string().optional(),
  nodes: zDict(zWorkflowNode, { key: z.string().min(1) }),
  groups: z.array(zWorkflowGroup).default([]),
  notes: z.array(zWorkflowNote).default([]),
  /** Editor view state (zoom, offset) and anything else a client keeps; carried through untouched. */
  extra: zDict(z.unknown()).prefault({}),
});
export type Workflow = z.infer<typeof zWorkflow>;
