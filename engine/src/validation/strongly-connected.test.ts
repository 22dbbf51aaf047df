import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stronglyConnected } from './strongly-connected';

describe(stronglyConnected.name, () => {
  it('orders an acyclic graph so every dependency comes first (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(29), { maxLength: 4 }), { minLength: 1, maxLength: 30 }),
        (raw) => {
          // Only edges to lower indices: always acyclic.
          const ids = raw.map((_, i) => `n${i}`);
          const deps = new Map(raw.map((ds, i) => [`n${i}`, ds.filter((d) => d < i).map((d) => `n${d}`)]));
          const components = stronglyConnected(ids, deps);
          expect(components.every((c) => c.length === 1)).toBe(true);
          const position = new Map(components.map(([id], i) => [id!, i]));
          for (const [id, ds] of deps)
            for (const d of ds) expect(position.get(d)!).toBeLessThan(position.get(id)!);
        },
      ),
    );
  });

  it('finds every cycle, including long ones, without recursion', () => {
    const n = 50_000;
    const ids = Array.from({ length: n }, (_, i) => String(i));
    const deps = new Map(ids.map((id, i) => [id, [String((i + 1) % n)]]));
    const components = stronglyConnected(ids, deps);
    expect(components).toHaveLength(1);
    expect(components[0]).toHaveLength(n);
  });
});
