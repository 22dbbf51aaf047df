/**
 * @module
 * The document's edits as immer recipes: each keeps `links` (on the target node) and `edges` in step.
 * They run inside `applyEdit`, which records them for undo.
 */

import { dict, type NodeMode } from '@momaflow/engine/protocol';
import type { Draft } from 'immer';
import type { NodeTemplate } from '../../schema/lib/node-template';
import { widgetDefault } from '../../schema/lib/node-template';
import type { FlowNode, GraphDoc, SeedControl, WorkflowFlowNode } from './flow-types';
import { edgeId, inputHandleId, outputHandleId } from './handle-ids';

type DocDraft = Draft<GraphDoc>;

function workflowNode(draft: DocDraft, id: string): Draft<WorkflowFlowNode> | undefined {
  const node = draft.nodes.find((n) => n.id === id);
  return node?.type === 'workflow' ? (node as Draft<WorkflowFlowNode>) : undefined;
}

/** The next free numeric node id (ComfyUI numbers nodes; the server accepts any string). */
export function nextNodeId(nodes: readonly FlowNode[]): string {
  let max = 0;
  for (const node of nodes) {
    const n = Number(node.id);
    if (Number.isSafeInteger(n) && n > max) max = n;
  }
  return String(max + 1);
}

/** A fresh node of `template` with every widget at its default. */
export function createNode(
  template: NodeTemplate,
  id: string,
  position: { x: number; y: number },
): WorkflowFlowNode {
  const values = dict<unknown>();
  for (const input of template.inputs) if (input.widget) values[input.name] = widgetDefault(input.widget);
  return {
    id,
    type: 'workflow',
    position,
    selected: true,
    data: { classType: template.type, mode: 'always', values, links: dict() },
  };
}

/** Adds a node and makes it the only selected one. */
export function addNode(draft: DocDraft, node: FlowNode): void {
  for (const other of draft.nodes) if (other.selected) other.selected = false;
  draft.nodes.push(node as Draft<FlowNode>);
}

/** Links output `outputIndex` of `source` into `input` of `target`, replacing that input's link. */
export function connect(
  draft: DocDraft,
  link: { source: string; outputIndex: number; target: string; input: string; type: string },
): void {
  const target = workflowNode(draft, link.target);
  if (!target) return;
  const id = edgeId(link.target, link.input);
  const at = draft.edges.findIndex((e) => e.id === id);
  if (at >= 0) draft.edges.splice(at, 1);
  target.data.links[link.input] = [link.source, link.outputIndex];
  draft.edges.push({
    id,
    source: link.source,
    sourceHandle: outputHandleId(link.outputIndex),
    target: link.target,
    targetHandle: inputHandleId(link.input),
    data: { type: link.type },
  });
}

/** Removes edges by id and the links they stand for; the widgets underneath show their values again. */
export function removeEdges(draft: DocDraft, ids: ReadonlySet<string>): void {
  for (const edge of draft.edges) {
    if (!ids.has(edge.id)) continue;
    const target = workflowNode(draft, edge.target);
    const input = edge.targetHandle?.slice('in:'.length);
    if (target && input !== undefined) delete target.data.links[input];
  }
  draft.edges = draft.edges.filter((e) => !ids.has(e.id));
}

/** Removes nodes and every edge that touches them. */
export function removeNodes(draft: DocDraft, ids: ReadonlySet<string>): void {
  removeEdges(
    draft,
    new Set(draft.edges.filter((e) => ids.has(e.source) || ids.has(e.target)).map((e) => e.id)),
  );
  draft.nodes = draft.nodes.filter((n) => !ids.has(n.id));
}

/** Sets one widget value. */
export function setValue(draft: DocDraft, nodeId: string, input: string, value: unknown): void {
  const node = workflowNode(draft, nodeId);
  if (node) node.data.values[input] = value as Draft<unknown>;
}

/** Sets a seed widget's control after generate. */
export function setSeedControl(draft: DocDraft, nodeId: string, input: string, control: SeedControl): void {
  const node = workflowNode(draft, nodeId);
  if (!node) return;
  node.data.seedControl = { ...node.data.seedControl, [input]: control };
}

/** Sets or clears a node's title (an empty title shows the type's name). */
export function setTitle(draft: DocDraft, nodeId: string, title: string): void {
  const node = workflowNode(draft, nodeId);
  if (!node) return;
  if (title.trim() === '') delete node.data.title;
  else node.data.title = title;
}

/** ComfyUI's toggle: if every node already has `mode`, they go back to `always`, else all get `mode`. */
export function toggleMode(
  draft: DocDraft,
  ids: ReadonlySet<string>,
  mode: Exclude<NodeMode, 'always'>,
): void {
  const nodes = draft.nodes.filter(
    (n): n is Draft<WorkflowFlowNode> => n.type === 'workflow' && ids.has(n.id),
  );
  const next: NodeMode = nodes.every((n) => n.data.mode === mode) ? 'always' : mode;
  for (const node of nodes) node.data.mode = next;
}
