import { describe, expect, it } from 'vitest';
import { docOf } from '../../../testing/builders';
import { autoLayout, nodeDepths } from './auto-layout';

describe(autoLayout.name, () => {
  it('puts nodes in columns by depth, keeping each column’s vertical order', () => {
    const doc = docOf();
    const positions = autoLayout(doc.nodes, doc.edges);
    expect(positions.get('1')).toEqual({ x: 0, y: 0 });
    expect(positions.get('2')?.x).toBeGreaterThan(0);
    expect(positions.get('4')?.x).toBe(positions.get('2')?.x);
    expect(positions.get('4')!.y).toBeGreaterThan(positions.get('2')!.y);
    expect(positions.get('3')!.x).toBeGreaterThan(positions.get('2')!.x);
  });

  it('gives every link a left-to-right direction', () => {
    const doc = docOf();
    const depth = nodeDepths(
      doc.nodes.map((n) => n.id),
      doc.edges,
    );
    for (const edge of doc.edges) expect(depth.get(edge.target)!).toBeGreaterThan(depth.get(edge.source)!);
  });
});
