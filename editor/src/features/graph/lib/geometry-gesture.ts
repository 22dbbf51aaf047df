/**
 * @module
 * Drags and resizes arrive as one change per frame; they are applied without history and recorded as
 * one undo step when the gesture ends. Dragging a frame carries the nodes inside it along, as
 * ComfyUI's groups do.
 */

import type { NodeChange } from '@xyflow/react';
import type { Draft } from 'immer';
import type { FlowNode, GraphDoc } from './flow-types';

interface Geometry {
  readonly x: number;
  readonly y: number;
  readonly width: number | undefined;
  readonly height: number | undefined;
}

/** What a gesture moved, as it was before it started. */
export interface Gesture {
  readonly before: Map<string, Geometry>;
  /** Nodes carried by each dragged frame. */
  readonly carried: Map<string, readonly string[]>;
}

const geometry = (node: FlowNode): Geometry => ({
  x: node.position.x,
  y: node.position.y,
  width: node.width,
  height: node.height,
});

function inside(node: FlowNode, frame: FlowNode): boolean {
  const w = frame.width ?? 0;
  const h = frame.height ?? 0;
  return (
    node.id !== frame.id &&
    node.type !== 'frame' &&
    node.position.x >= frame.position.x &&
    node.position.y >= frame.position.y &&
    node.position.x + (node.measured?.width ?? 0) <= frame.position.x + w &&
    node.position.y + (node.measured?.height ?? 0) <= frame.position.y + h
  );
}

/** True for changes that belong to a drag or resize in progress or ending. */
export function isGeometryChange(change: NodeChange<FlowNode>): boolean {
  return (
    (change.type === 'position' && change.dragging !== undefined) ||
    (change.type === 'dimensions' && change.resizing !== undefined)
  );
}

/** True when the changes end the gesture (the last frame of a drag or resize). */
export function endsGesture(changes: readonly NodeChange<FlowNode>[]): boolean {
  return changes.some(
    (c) =>
      (c.type === 'position' && c.dragging === false) || (c.type === 'dimensions' && c.resizing === false),
  );
}

/** Remembers the geometry of the nodes a gesture touches, and what dragged frames carry. */
export function startGesture(doc: GraphDoc, changes: readonly NodeChange<FlowNode>[]): Gesture {
  const ids = new Set(
    changes.flatMap((c) => (c.type === 'position' || c.type === 'dimensions' ? [c.id] : [])),
  );
  const carried = new Map<string, readonly string[]>();
  for (const frame of doc.nodes) {
    if (frame.type !== 'frame' || !ids.has(frame.id)) continue;
    if (!changes.some((c) => c.type === 'position' && c.id === frame.id)) continue;
    const contents = doc.nodes.filter((n) => !ids.has(n.id) && inside(n, frame)).map((n) => n.id);
    carried.set(frame.id, contents);
    for (const id of contents) ids.add(id);
  }
  const before = new Map(doc.nodes.filter((n) => ids.has(n.id)).map((n) => [n.id, geometry(n)]));
  return { before, carried };
}

/** Applies one frame of the gesture. */
export function applyGesture(
  draft: Draft<GraphDoc>,
  gesture: Gesture,
  changes: readonly NodeChange<FlowNode>[],
): void {
  const byId = new Map(draft.nodes.map((n) => [n.id, n]));
  for (const change of changes) {
    const node = byId.get(change.type === 'add' ? '' : change.id);
    if (!node) continue;
    if (change.type === 'position' && change.position) {
      const dx = change.position.x - node.position.x;
      const dy = change.position.y - node.position.y;
      node.position = { x: change.position.x, y: change.position.y };
      for (const id of gesture.carried.get(node.id) ?? []) {
        const child = byId.get(id);
        if (child) child.position = { x: child.position.x + dx, y: child.position.y + dy };
      }
    } else if (change.type === 'dimensions' && change.dimensions) {
      node.measured = { width: change.dimensions.width, height: change.dimensions.height };
      if (change.setAttributes === true || change.setAttributes === 'width')
        node.width = change.dimensions.width;
      if (change.setAttributes === true || change.setAttributes === 'height')
        node.height = change.dimensions.height;
    }
  }
}

/** The recipe that puts everything the gesture moved back where it was. */
export function undoGesture(gesture: Gesture): (draft: Draft<GraphDoc>) => void {
  return (draft) => {
    for (const node of draft.nodes) {
      const was = gesture.before.get(node.id);
      if (!was) continue;
      node.position = { x: was.x, y: was.y };
      if (was.width === undefined) delete node.width;
      else node.width = was.width;
      if (was.height === undefined) delete node.height;
      else node.height = was.height;
    }
  };
}
