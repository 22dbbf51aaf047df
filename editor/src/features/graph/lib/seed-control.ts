/**
 * @module
 * ComfyUI's "control after generate": after a queue, each seed widget that is not linked moves by its
 * control (fixed stays, increment/decrement step by one within its range, randomize draws anew).
 */
import type { TemplateMap } from '../../schema/lib/node-template';
import type { GraphDoc } from './flow-types';

/**
 * @example
 * advancedSeeds(doc, templates, Math.random) // [{ nodeId: '3', input: 'seed', value: 43 }]
 */
export function advancedSeeds(
  doc: GraphDoc,
  templates: TemplateMap,
  random: () => number,
): { nodeId: string; input: string; value: number }[] {
  const changes: { nodeId: string; input: string; value: number }[] = [];
  for (const node of doc.nodes) {
    if (node.type !== 'workflow' || node.data.mode !== 'always') continue;
    const template = templates.get(node.data.classType);
    for (const input of template?.inputs ?? []) {
      const widget = input.widget;
      if (widget?.kind !== 'SEED' || Object.hasOwn(node.data.links, input.name)) continue;
      const control = node.data.seedControl?.[input.name] ?? 'fixed';
      const raw = node.data.values[input.name];
      const current = typeof raw === 'number' ? raw : widget.default;
      const span = widget.max - widget.min;
      const value =
        control === 'increment'
          ? current >= widget.max
            ? widget.min
            : current + 1
          : control === 'decrement'
            ? current <= widget.min
              ? widget.max
              : current - 1
            : control === 'randomize'
              ? widget.min + Math.floor(random() * Math.min(span + 1, 2 ** 32))
              : current;
      if (value !== current) changes.push({ nodeId: node.id, input: input.name, value });
    }
  }
  return changes;
}
