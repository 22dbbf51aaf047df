/**
 * @module
 * Auto-layout: nodes in columns by depth (longest path from a source), each column as wide as its
 * widest node, rows stacked by measured height. Frames and notes stay where they are.
 */
import type { FlowEdge, FlowNode } from './flow-types';

const COLUMN_GAP = 80;
const ROW_GAP = 40;
const DEFAULT_SIZE = { width: 260, height: 160 };

/** Depth of every node; nodes on a cycle (which validation rejects anyway) stop at the node count. */
export function nodeDepths(ids: readonly string[], edges: readonly FlowEdge[]): Map<string, number> {
  const depth = new Map(ids.map((id) => [id, 0]));
  for (let pass = 0, changed = true; changed && pass < ids.length; pass++) {
    changed = false;
    for (const edge of edges) {
      const from = depth.get(edge.source);
      const to = depth.get(edge.target);
      if (from === undefined || to === undefined || to >= from + 1) continue;
      depth.set(edge.target, Math.min(from + 1, ids.length));
      changed = true;
    }
  }
  return depth;
}

/**
 * New positions for the workflow nodes, starting at the current top-left of the graph.
 * @example
 * for (const [id, pos] of autoLayout(nodes, edges)) moveNode(id, pos);
 */
export function autoLayout(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): Map<string, { x: number; y: number }> {
  const work = nodes.filter((n) => n.type === 'workflow');
  if (work.length === 0) return new Map();
  const depth = nodeDepths(
    work.map((n) => n.id),
    edges,
  );
  const columns = new Map<number, FlowNode[]>();
  for (const node of work) {
    const d = depth.get(node.id) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), node]);
  }
  const origin = {
    x: Math.min(...work.map((n) => n.position.x)),
    y: Math.min(...work.map((n) => n.position.y)),
  };
  const positions = new Map<string, { x: number; y: number }>();
  let x = origin.x;
  for (const d of [...columns.keys()].sort((a, b) => a - b)) {
    // Keep the current vertical order inside a column, so a layout the user made stays readable.
    const column = columns.get(d)!.sort((a, b) => a.position.y - b.position.y);
    let y = origin.y;
    let width = 0;
    for (const node of column) {
      positions.set(node.id, { x, y });
      y += (node.measured?.height ?? DEFAULT_SIZE.height) + ROW_GAP;
      width = Math.max(width, node.measured?.width ?? DEFAULT_SIZE.width);
    }
    x += width + COLUMN_GAP;
  }
  return positions;
}
