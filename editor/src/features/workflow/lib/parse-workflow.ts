/**
 * @module
 * Reads a saved workflow of any known version and returns version 2, migrating through the frozen
 * schemas. Failures come back as a value with readable messages (shown in a toast), never thrown.
 */
import type { z } from 'zod';
import {
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  type Workflow,
  type WorkflowV1,
  zWorkflow,
  zWorkflowV1,
} from './workflow-schema';

/** The outcome of reading a workflow document. */
export type ParsedWorkflow =
  | { readonly ok: true; readonly workflow: Workflow; readonly migratedFrom?: number }
  | {
      readonly ok: false;
      readonly code: 'unsupported_version' | 'invalid_workflow';
      readonly messages: string[];
    };

function messages(error: z.ZodError, what: string): string[] {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${what}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
}

/** Version 1 -> 2: widgets and links merge into `inputs`; groups get ids. */
export function migrateV1(v1: WorkflowV1): Workflow {
  const nodes: Workflow['nodes'] = {};
  for (const node of v1.nodes) {
    const inputs: Record<string, unknown> = { ...node.widgets };
    for (const [name, link] of Object.entries(node.links)) inputs[name] = [String(link.node), link.slot];
    nodes[String(node.id)] = {
      class_type: node.type,
      inputs,
      pos: node.pos,
      mode: node.bypass ? 'bypassed' : 'always',
      ...(node.title !== undefined ? { title: node.title } : {}),
      ...(node.size !== undefined ? { size: node.size } : {}),
    };
  }
  return {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    nodes,
    groups: v1.groups.map((g, i) => ({ id: `group-${i + 1}`, title: g.title, bounding: g.bounding })),
    notes: [],
    extra: {},
  };
}

/**
 * @example
 * const parsed = parseWorkflow(JSON.parse(text));
 * if (parsed.ok) workflowOpened(parsed.workflow);
 */
export function parseWorkflow(data: unknown): ParsedWorkflow {
  const version = typeof data === 'object' && data !== null ? Reflect.get(data, 'version') : undefined;
  if (version === 1) {
    const v1 = zWorkflowV1.safeParse(data);
    return v1.success
      ? { ok: true, workflow: migrateV1(v1.data), migratedFrom: 1 }
      : { ok: false, code: 'invalid_workflow', messages: messages(v1.error, 'workflow v1') };
  }
  if (version !== WORKFLOW_VERSION) {
    return {
      ok: false,
      code: 'unsupported_version',
      messages: [
        `unsupported workflow version ${JSON.stringify(version)}; this editor reads 1 to ${WORKFLOW_VERSION}`,
      ],
    };
  }
  const current = zWorkflow.safeParse(data);
  return current.success
    ? { ok: true, workflow: current.data }
    : { ok: false, code: 'invalid_workflow', messages: messages(current.error, 'workflow') };
}
