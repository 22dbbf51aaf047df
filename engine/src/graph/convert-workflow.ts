/**
 * @module
 * Conversion between the saved workflow and the executable prompt. Muted nodes are dropped; a bypassed
 * node is replaced, for each of its outputs, by its first linked input of the same socket type (ComfyUI's
 * bypass), so consumers read straight from upstream.
 */
import { dict, dictFrom, ownValue } from '../dictionary/dictionary';
import { type InputSpec, inputSocketType } from '../node-api/input-specs';
import type { NodeRegistry } from '../node-api/node-registry';
import type { Result } from '../validation/validation-issue';
import { ok } from '../validation/validation-issue';
import { looksLikeWorkflow, parseWorkflow } from './migrate-workflow';
import { asLink, type Link, type Prompt, type PromptNode } from './prompt';
import { WORKFLOW_FORMAT, WORKFLOW_VERSION, type Workflow, type WorkflowNode } from './workflow';

/** Where consumers of output `index` of a bypassed node should read from instead (undefined: nowhere). */
function bypassSource(
  nodes: Workflow['nodes'],
  registry: NodeRegistry,
  link: Link,
  seen: Set<string> = new Set(),
): Link | undefined {
  const [id, index] = link;
  const node = ownValue(nodes, id) as WorkflowNode | undefined;
  if (node?.mode !== 'bypassed') return link;
  if (seen.has(id)) return undefined;
  seen.add(id);
  const definition = registry.get(node.class_type);
  const outType = definition?.outputs[index]?.type;
  if (!definition || outType === undefined) return undefined;
  for (const [name, spec] of Object.entries<InputSpec>(definition.inputs)) {
    const upstream = asLink(ownValue(node.inputs, name));
    if (upstream && inputSocketType(spec) === outType) return bypassSource(nodes, registry, upstream, seen);
  }
  return undefined;
}

/** The executable graph of a saved workflow. */
export function workflowToPrompt(workflow: Workflow, registry: NodeRegistry): Prompt {
  const prompt = dict<PromptNode>();
  for (const [id, node] of Object.entries(workflow.nodes)) {
    if (node.mode !== 'always') continue;
    const inputs = dict<unknown>();
    for (const [name, value] of Object.entries(node.inputs)) {
      const link = asLink(value);
      if (!link) {
        inputs[name] = value;
        continue;
      }
      const source = bypassSource(workflow.nodes, registry, link);
      // A link into a muted node or a bypass with no matching input is dropped; validation then reports
      // the input as missing, naming this node.
      const sourceNode = source && (ownValue(workflow.nodes, source[0]) as WorkflowNode | undefined);
      if (source && sourceNode?.mode !== 'muted') inputs[name] = source;
    }
    const meta = { ...(node.title ? { title: node.title } : {}), ...(node.pack ? { pack: node.pack } : {}) };
    prompt[id] = {
      class_type: node.class_type,
      inputs,
      ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
    };
  }
  return prompt;
}

const COLUMN_WIDTH = 360;
const ROW_HEIGHT = 260;

/** Depth of every node (longest link path from a source), iteratively; nodes on cycles get depth 0. */
function depths(prompt: Prompt): Map<string, number> {
  const depth = new Map<string, number>();
  const nodes = new Map(Object.entries(prompt));
  for (let pass = 0, changed = true; changed && pass <= nodes.size; pass++) {
    changed = false;
    for (const [id, node] of nodes) {
      let d = 0;
      for (const value of Object.values(node.inputs)) {
        const link = asLink(value);
        if (link && nodes.has(link[0])) d = Math.max(d, (depth.get(link[0]) ?? 0) + 1);
      }
      if (d !== (depth.get(id) ?? 0)) {
        depth.set(id, Math.min(d, nodes.size));
        changed = true;
      }
    }
  }
  return depth;
}

/** A saved workflow for a bare prompt, laid out in columns by depth. */
export function promptToWorkflow(prompt: Prompt, options: { name?: string } = {}): Workflow {
  const depth = depths(prompt);
  const rows = new Map<number, number>();
  const nodes = dict<WorkflowNode>();
  for (const [id, node] of Object.entries(prompt)) {
    const column = depth.get(id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    nodes[id] = {
      class_type: node.class_type,
      inputs: dictFrom(Object.entries(node.inputs)),
      pos: [column * COLUMN_WIDTH, row * ROW_HEIGHT],
      mode: 'always',
      ...(node._meta?.title ? { title: node._meta.title } : {}),
      ...(node._meta?.pack ? { pack: node._meta.pack } : {}),
    };
  }
  return {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    ...(options.name ? { name: options.name } : {}),
    nodes,
    groups: [],
    notes: [],
    extra: dict(),
  };
}

/**
 * Accepts what users submit: a saved workflow (any version) or a bare executable graph, and returns the
 * executable graph. A bare graph is returned unchecked (as `unknown`): `validatePrompt` checks its nodes.
 */
export function toPrompt(data: unknown, registry: NodeRegistry): Result<unknown> {
  if (!looksLikeWorkflow(data)) return ok(data);
  const parsed = parseWorkflow(data);
  return parsed.ok ? ok(workflowToPrompt(parsed.value, registry)) : parsed;
}
