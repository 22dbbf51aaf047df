/**
 * @module
 * The viewport that frames a graph before React Flow has measured it, from positions and known or
 * typical node sizes. Opening a big graph at the right zoom at once means it renders once (in its
 * zoomed-out, socket-only form) instead of in full detail first and again after fitting.
 */
import type { FlowNode } from './flow-types';

const TYPICAL = { width: 280, height: 220 };

/**
 * @example
 * initialViewport(doc.nodes, { width: 1400, height: 800 }, { minZoom: 0.05, maxZoom: 1, padding: 0.1 })
 */
export function initialViewport(
  nodes: readonly FlowNode[],
  screen: { width: number; height: number },
  limits: { minZoom: number; maxZoom: number; padding: number },
): { x: number; y: number; zoom: number } {
  if (nodes.length === 0) return { x: 0, y: 0, zoom: 1 };
  let left = Number.POSITIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  let right = Number.NEGATIVE_INFINITY;
  let bottom = Number.NEGATIVE_INFINITY;
  for (const node of nodes) {
    const width = node.measured?.width ?? node.width ?? TYPICAL.width;
    const height = node.measured?.height ?? node.height ?? TYPICAL.height;
    left = Math.min(left, node.position.x);
    top = Math.min(top, node.position.y);
    right = Math.max(right, node.position.x + width);
    bottom = Math.max(bottom, node.position.y + height);
  }
  const usable = {
    width: screen.width * (1 - 2 * limits.padding),
    height: screen.height * (1 - 2 * limits.padding),
  };
  const zoom = Math.min(
    limits.maxZoom,
    Math.max(limits.minZoom, Math.min(usable.width / (right - left), usable.height / (bottom - top))),
  );
  return {
    x: (screen.width - (right - left) * zoom) / 2 - left * zoom,
    y: (screen.height - (bottom - top) * zoom) / 2 - top * zoom,
    zoom,
  };
}
