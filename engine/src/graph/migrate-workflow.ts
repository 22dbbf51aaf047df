/**
 * @module
 * Reads a saved workflow of any known version and returns the current version, migrating step by step
 * through the frozen schemas (as InvokeAI's `parseAndMigrateWorkflow` does).
 */
import type { z } from 'zod';
import { dict, dictFrom } from '../dictionary/dictionary';
import { fail, ok, type Result, type ValidationIssue } from '../validation/validation-issue';
import { WORKFLOW_FORMAT, WORKFLOW_VERSION, type Workflow, zWorkflow } from './workflow';
import { type WorkflowV1, zWorkflowV1 } from './workflow-v1';

function zodIssues(error: z.ZodError, what: string): ValidationIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({
    type: 'invalid_prompt',
    nodeId: null,
    classType: null,
    message: `${what}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
  }));
}

export function migrateV1(v1: WorkflowV1): Workflow {
  const nodes: Workflow['nodes'] = dict();
  for (const node of v1.nodes) {
    const inputs = dictFrom<unknown>(Object.entries(node.widgets));
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
    extra: dict(),
  };
}

/** True when `data` claims to be a saved workflow (any version), as opposed to a bare prompt. */
export function looksLikeWorkflow(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const format = Reflect.get(data, 'format');
  const version = Reflect.get(data, 'version');
  return (
    format === WORKFLOW_FORMAT || (typeof version === 'number' && Array.isArray(Reflect.get(data, 'nodes')))
  );
}

/**
 * @example
 * const parsed = parseWorkflow(JSON.parse(text));
 * if (parsed.ok) editor.open(parsed.value);
 */
export function parseWorkflow(data: unknown): Result<Workflow> {
  const version = typeof data === 'object' && data !== null ? Reflect.get(data, 'version') : undefined;
  if (version === 1) {
    const v1 = zWorkflowV1.safeParse(data);
    return v1.success ? ok(migrateV1(v1.data)) : fail(zodIssues(v1.error, 'workflow v1'));
  }
  if (version !== WORKFLOW_VERSION) {
    return fail([
      {
        type: 'invalid_prompt',
        nodeId: null,
        classType: null,
        message: `unsupported workflow version ${JSON.stringify(version)}; this build reads versions 1 to ${WORKFLOW_VERSION}`,
        received: version,
        expected: [1, WORKFLOW_VERSION],
      },
    ]);
  }
  const current = zWorkflow.safeParse(data);
  return current.success ? ok(current.data) : fail(zodIssues(current.error, 'workflow'));
}
