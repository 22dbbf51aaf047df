/**
 * @module
 * One entry point for every workflow a user brings: momaflow's saved format (any version), a
 * ComfyUI frontend workflow (schema 0.4 or 1), ComfyUI's API format (a bare executable graph), or
 * the text chunks of a PNG either program saved (`workflow`, else `prompt`). The result is a saved
 * workflow plus what could not be carried over as it was.
 */
import { ownValue } from '../../dictionary/dictionary';
import { fail, ok, type Result, type ValidationIssue } from '../../validation/validation-issue';
import { promptToWorkflow } from '../convert-workflow';
import { looksLikeWorkflow, parseWorkflow } from '../migrate-workflow';
import { type PromptNode, zPromptNode } from '../prompt';
import type { Workflow } from '../workflow';
import { looksLikeComfyUiWorkflow, zComfyUiWorkflow } from './comfy-ui-schema';
import { convertComfyUiWorkflow } from './convert-comfy-ui';
import type { ImportNodeTypes } from './import-node-types';
import type { ImportProblem } from './import-problem';

/** What the data was. */
export type WorkflowSource = 'momaflow' | 'comfyui-ui' | 'comfyui-api';

export interface ImportedWorkflow {
  readonly workflow: Workflow;
  readonly source: WorkflowSource;
  /** The format version read (ComfyUI's schema version, or momaflow's). */
  readonly version: number | undefined;
  readonly problems: readonly ImportProblem[];
}

const issue = (message: string): ValidationIssue => ({
  type: 'invalid_prompt',
  nodeId: null,
  classType: null,
  message,
});

/** Nodes whose type no schema describes: they stay in the workflow and will not run. */
function unknownTypes(workflow: Workflow, types: ImportNodeTypes): ImportProblem[] {
  return Object.entries(workflow.nodes).flatMap(([id, node]) =>
    types(node.class_type)
      ? []
      : [
          {
            code: 'unknown_node_type' as const,
            nodeId: id,
            classType: node.class_type,
            message: `node #${id}: unknown node type '${node.class_type}' (is its node pack installed?)`,
          },
        ],
  );
}

function importApiPrompt(data: object, types: ImportNodeTypes): Result<ImportedWorkflow> {
  const problems: ImportProblem[] = [];
  const nodes: [string, PromptNode][] = [];
  for (const [id, raw] of Object.entries(data)) {
    const node = zPromptNode.safeParse(raw);
    if (node.success) nodes.push([id, node.data]);
    else
      problems.push({
        code: 'invalid_entry',
        nodeId: id,
        classType: null,
        message: `entry '${id}' is not a node { class_type, inputs } and was skipped`,
      });
  }
  if (nodes.length === 0)
    return fail([issue('neither a workflow nor a prompt: no entry is a node { class_type, inputs }')]);
  const workflow = promptToWorkflow(Object.fromEntries(nodes));
  return ok({
    workflow,
    source: 'comfyui-api',
    version: undefined,
    problems: [...problems, ...unknownTypes(workflow, types)],
  });
}

/**
 * @example
 * const imported = importWorkflow(JSON.parse(text), importNodeTypes(objectInfo));
 * if (imported.ok) for (const p of imported.value.problems) console.warn(p.message);
 */
export function importWorkflow(data: unknown, types: ImportNodeTypes): Result<ImportedWorkflow> {
  if (looksLikeComfyUiWorkflow(data)) {
    const doc = zComfyUiWorkflow.safeParse(data);
    if (!doc.success) {
      const first = doc.error.issues[0];
      return fail([
        issue(`ComfyUI workflow: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`),
      ]);
    }
    const { workflow, problems } = convertComfyUiWorkflow(doc.data, types);
    return ok({ workflow, source: 'comfyui-ui', version: doc.data.version, problems });
  }
  if (looksLikeWorkflow(data)) {
    const parsed = parseWorkflow(data);
    if (!parsed.ok) return parsed;
    const version = ownValue(data as object, 'version');
    return ok({
      workflow: parsed.value,
      source: 'momaflow',
      version: typeof version === 'number' ? version : undefined,
      problems: unknownTypes(parsed.value, types),
    });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail([
      issue('a workflow must be a JSON object (a saved workflow, a ComfyUI workflow or an API prompt)'),
    ]);
  }
  return importApiPrompt(data, types);
}

/**
 * A PNG's embedded graph from its text chunks: the `workflow` chunk (layout included), else the
 * `prompt` chunk (the executable graph, laid out in columns), as both ComfyUI and momaflow write them.
 * @example
 * const imported = importPngText(readPngText(bytes), types, 'cat.png');
 */
export function importPngText(
  text: Readonly<Record<string, string>>,
  types: ImportNodeTypes,
  name = 'the PNG',
): Result<ImportedWorkflow> {
  const attempts: ValidationIssue[] = [];
  for (const key of ['workflow', 'prompt']) {
    const chunk = ownValue(text, key) as string | undefined;
    if (chunk === undefined) continue;
    let data: unknown;
    try {
      data = JSON.parse(chunk);
    } catch {
      attempts.push(issue(`the '${key}' text of ${name} is not valid JSON`));
      continue;
    }
    const imported = importWorkflow(data, types);
    if (imported.ok) {
      const skipped = attempts.map((a) => ({
        code: 'invalid_entry' as const,
        nodeId: null,
        classType: null,
        message: a.message,
      }));
      return ok({ ...imported.value, problems: [...skipped, ...imported.value.problems] });
    }
    attempts.push(...imported.issues);
  }
  return fail(attempts.length > 0 ? attempts : [issue(`${name} has no embedded workflow or prompt`)]);
}
