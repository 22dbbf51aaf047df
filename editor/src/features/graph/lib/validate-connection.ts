/**
 * @module
 * Whether a link may be drawn, and why not. Rules, in order:
 * 1. both ends exist and are workflow nodes with known templates (`unknown_node`);
 * 2. the handles name a real output and input (`unknown_handle`);
 * 3. a node does not feed itself (`self_link`);
 * 4. the output type fits the input type (`type_mismatch`, the engine's socket rules);
 * 5. the link does not close a cycle (`cycle`).
 * A link into an input that already has one replaces it, so that is allowed.
 */

import { isSocketCompatible } from '@momaflow/engine/protocol';
import type { TemplateMap } from '../../schema/lib/node-template';
import type { FlowEdge, FlowNode } from './flow-types';
import { isWorkflowNode } from './flow-types';
import { parseInputHandle, parseOutputHandle } from './handle-ids';

/** The ends of a proposed link, as React Flow reports them. */
export interface ProposedLink {
  readonly source: string;
  readonly sourceHandle?: string | null | undefined;
  readonly target: string;
  readonly targetHandle?: string | null | undefined;
}

export type ConnectionRefusal = 'unknown_node' | 'unknown_handle' | 'self_link' | 'type_mismatch' | 'cycle';

export type ConnectionCheck =
  | { readonly ok: true; readonly type: string; readonly outputIndex: number; readonly input: string }
  | { readonly ok: false; readonly code: ConnectionRefusal; readonly message: string };

function refuse(code: ConnectionRefusal, message: string): ConnectionCheck {
  return { ok: false, code, message };
}

/** True when `to` already reaches `from` through existing edges, so from -> to would close a loop. */
export function wouldCreateCycle(edges: readonly FlowEdge[], from: string, to: string): boolean {
  const downstream = new Map<string, string[]>();
  for (const edge of edges) {
    const list = downstream.get(edge.source);
    if (list) list.push(edge.target);
    else downstream.set(edge.source, [edge.target]);
  }
  const stack = [to];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === from) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(downstream.get(id) ?? []));
  }
  return false;
}

/**
 * @example
 * const check = validateConnection({ nodes, edges, templates, link });
 * if (!check.ok) toastShown(check.message);
 */
export function validateConnection(args: {
  readonly nodes: readonly FlowNode[];
  readonly edges: readonly FlowEdge[];
  readonly templates: TemplateMap;
  readonly link: ProposedLink;
}): ConnectionCheck {
  const { nodes, edges, templates, link } = args;
  const source = nodes.find((n) => n.id === link.source);
  const target = nodes.find((n) => n.id === link.target);
  if (!source || !target || !isWorkflowNode(source) || !isWorkflowNode(target)) {
    return refuse('unknown_node', 'links join two workflow nodes');
  }
  const sourceTemplate = templates.get(source.data.classType);
  const targetTemplate = templates.get(target.data.classType);
  if (!sourceTemplate || !targetTemplate) {
    const missing = sourceTemplate ? target.data.classType : source.data.classType;
    return refuse('unknown_node', `node type '${missing}' is not installed on the server`);
  }
  const outputIndex = parseOutputHandle(link.sourceHandle);
  const inputName = parseInputHandle(link.targetHandle);
  const output = outputIndex === undefined ? undefined : sourceTemplate.outputs[outputIndex];
  const input = targetTemplate.inputs.find((i) => i.name === inputName);
  if (!output || !input || outputIndex === undefined) {
    return refuse('unknown_handle', 'that socket does not exist on this node type');
  }
  if (source.id === target.id) return refuse('self_link', 'a node cannot feed its own input');
  if (!isSocketCompatible(output.type, input.socketType)) {
    return refuse(
      'type_mismatch',
      `${output.type} output '${output.name}' cannot feed ${input.socketType} input '${input.name}'`,
    );
  }
  if (wouldCreateCycle(edges, source.id, target.id)) {
    return refuse('cycle', `linking ${source.id} -> ${target.id} would create a cycle`);
  }
  return { ok: true, type: output.type, outputIndex, input: input.name };
}
