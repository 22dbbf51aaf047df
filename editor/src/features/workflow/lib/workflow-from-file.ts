/**
 * @module
 * What a dropped or uploaded file holds: a workflow JSON file, or a PNG written by SaveImage (its
 * `workflow` text chunk; failing that, its `prompt` chunk laid out in columns).
 */

import { promptToWorkflow, zPromptNode } from '@momaflow/engine/protocol';
import { type ParsedWorkflow, parseWorkflow } from './parse-workflow';
import { isPng, readPngText } from './png-text';

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

/** A bare executable graph (ComfyUI's API format) as a workflow, laid out by the engine's column rule. */
export function promptAsWorkflow(prompt: Record<string, unknown>): ParsedWorkflow {
  // A PNG's text chunk is user data: entries that are not prompt nodes are left out, not trusted.
  const nodes = Object.fromEntries(
    Object.entries(prompt).flatMap(([id, raw]) => {
      const node = zPromptNode.safeParse(raw);
      return node.success ? [[id, node.data] as const] : [];
    }),
  );
  if (Object.keys(nodes).length === 0) return invalid('the PNG carries no momaflow workflow');
  return { ok: true, workflow: promptToWorkflow(nodes) };
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
