/**
 * @module
 * What a dropped or uploaded file holds: a workflow JSON file, or a PNG written by SaveImage (its
 * `workflow` text chunk; failing that, its `prompt` chunk laid out in columns).
 */

import { type ParsedWorkflow, parseWorkflow } from './parse-workflow';
import { isPng, readPngText } from './png-text';
import {
  asLink,
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  type Workflow,
  type WorkflowNode,
} from './workflow-schema';

function invalid(message: string): ParsedWorkflow {
  return { ok: false, code: 'invalid_workflow', messages: [message] };
}

function parseJson(
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; error: ParsedWorkflow } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: invalid(`${what} is not valid JSON`) };
  }
}

/** A bare executable graph (ComfyUI's API format) as a workflow, one column per link depth. */
export function promptAsWorkflow(prompt: Record<string, unknown>): ParsedWorkflow {
  const nodes: Record<string, WorkflowNode> = {};
  const depth = new Map<string, number>();
  const entries = Object.entries(prompt).flatMap(([id, raw]) => {
    if (typeof raw !== 'object' || raw === null) return [];
    const classType = Reflect.get(raw, 'class_type');
    const inputs = Reflect.get(raw, 'inputs');
    if (typeof classType !== 'string' || typeof inputs !== 'object' || inputs === null) return [];
    return [{ id, classType, inputs: inputs as Record<string, unknown> }];
  });
  if (entries.length === 0) return invalid('the PNG carries no momaflow workflow');
  for (let pass = 0; pass < entries.length; pass++) {
    for (const { id, inputs } of entries) {
      for (const value of Object.values(inputs)) {
        const link = asLink(value);
        if (link)
          depth.set(
            id,
            Math.max(depth.get(id) ?? 0, Math.min((depth.get(link[0]) ?? 0) + 1, entries.length)),
          );
      }
    }
  }
  const rows = new Map<number, number>();
  for (const { id, classType, inputs } of entries) {
    const column = depth.get(id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    nodes[id] = { class_type: classType, inputs, pos: [column * 360, row * 260], mode: 'always' };
  }
  const workflow: Workflow = {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    nodes,
    groups: [],
    notes: [],
    extra: {},
  };
  return { ok: true, workflow };
}

/**
 * @example
 * const parsed = await workflowFromFile(file.name, new Uint8Array(await file.arrayBuffer()));
 */
export async function workflowFromFile(name: string, bytes: Uint8Array): Promise<ParsedWorkflow> {
  if (isPng(bytes)) {
    const text = await readPngText(bytes);
    if (text.workflow !== undefined) {
      const json = parseJson(text.workflow, `the workflow in ${name}`);
      return json.ok ? parseWorkflow(json.value) : json.error;
    }
    if (text.prompt !== undefined) {
      const json = parseJson(text.prompt, `the prompt in ${name}`);
      if (!json.ok) return json.error;
      return typeof json.value === 'object' && json.value !== null
        ? promptAsWorkflow(json.value as Record<string, unknown>)
        : invalid(`the prompt in ${name} is not an object`);
    }
    return invalid(`${name} has no embedded workflow (only PNGs saved by SaveImage do)`);
  }
  const json = parseJson(new TextDecoder().decode(bytes), name);
  return json.ok ? parseWorkflow(json.value) : json.error;
}
