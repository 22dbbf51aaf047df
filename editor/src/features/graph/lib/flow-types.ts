/**
 * @module
 * The editor's document: React Flow nodes and edges whose data mirrors the saved workflow. A workflow
 * node keeps its widget values and its incoming links side by side (`values`, `links`), so a widget
 * that gets linked keeps its value for when the link is removed; `links` and `edges` always agree.
 */

import type { Link, NodeMode, PackRef, SeedControl } from '@momaflow/engine/protocol';
import type { Edge, Node } from '@xyflow/react';

/** ComfyUI's "control after generate" for seed widgets (the saved format's type). */
export type { SeedControl };

export interface WorkflowNodeData extends Record<string, unknown> {
  readonly classType: string;
  readonly title?: string;
  readonly mode: NodeMode;
  readonly color?: string;
  readonly collapsed?: boolean;
  /** Saved size, kept for the round trip; the width is applied as the node's minimum width. */
  readonly size?: readonly [number, number];
  /** Literal input values (widgets and unknown inputs), kept while an input is linked. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Incoming links by input name. */
  readonly links: Readonly<Record<string, Link>>;
  /** Seed widgets' control mode by input name (absent: fixed). */
  readonly seedControl?: Readonly<Record<string, SeedControl>>;
  /** The node pack the opened workflow recorded for this node (kept, and named when it is missing). */
  readonly pack?: PackRef;
}

/** A titled frame drawn behind nodes (the saved format's group). */
export interface FrameData extends Record<string, unknown> {
  readonly groupId: string;
  readonly title: string;
  readonly color?: string;
}

/** A free text note on the canvas. */
export interface NoteData extends Record<string, unknown> {
  readonly noteId: string;
  readonly text: string;
  readonly color?: string;
}

export type WorkflowFlowNode = Node<WorkflowNodeData, 'workflow'>;
export type FrameFlowNode = Node<FrameData, 'frame'>;
export type NoteFlowNode = Node<NoteData, 'note'>;
export type FlowNode = WorkflowFlowNode | FrameFlowNode | NoteFlowNode;

/** An edge carries its socket type, for colour and for re-validation. */
export interface LinkEdgeData extends Record<string, unknown> {
  readonly type: string;
}
export type FlowEdge = Edge<LinkEdgeData>;

/** One open workflow as the canvas edits it. */
export interface GraphDoc {
  readonly name?: string;
  readonly description?: string;
  readonly nodes: readonly FlowNode[];
  readonly edges: readonly FlowEdge[];
  /** The saved workflow's `extra`, carried through untouched apart from the editor's own keys. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export function isWorkflowNode(node: FlowNode): node is WorkflowFlowNode {
  return node.type === 'workflow';
}

/** An empty document. */
export function emptyDoc(name?: string): GraphDoc {
  return { ...(name ? { name } : {}), nodes: [], edges: [], extra: {} };
}
