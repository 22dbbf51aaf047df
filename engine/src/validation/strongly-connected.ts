/**
 * @module
 * Tarjan's strongly connected components, iterative (a 10,000-node chain must not overflow the stack).
 * With edges pointing from a node to its dependencies, components come out dependencies first, which is
 * an execution order; any component with more than one node, or a self-link, is a cycle.
 */

/**
 * @example
 * stronglyConnected(['a', 'b'], new Map([['b', ['a']]])) // [['a'], ['b']]
 */
export function stronglyConnected(
  ids: readonly string[],
  deps: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;

  const visit = (v: string, work: [string, number][]) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    work.push([v, 0]);
  };

  for (const root of ids) {
    if (index.has(root)) continue;
    const work: [string, number][] = [];
    visit(root, work);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, next] = frame;
      const children = deps.get(v) ?? [];
      if (next < children.length) {
        frame[1] = next + 1;
        const w = children[next]!;
        if (!index.has(w)) visit(w, work);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        components.push(component.reverse());
      }
    }
  }
  return components;
}
