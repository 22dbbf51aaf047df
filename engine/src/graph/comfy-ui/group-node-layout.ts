/**
 * @module
 * The widgets, inputs and outputs a legacy ComfyUI group node (`extra.groupNodes[name]`, frontend
 * before subgraphs) shows, computed as the frontend's `GroupNodeConfig.registerType` computes them,
 * since an instance stores its values and links by that layout. Inner nodes are taken in their
 * stored order (`index`). Per node, its widgets come first, in the type's order, then its
 * unlinked sockets; widgets converted to inputs are appended after every node's, in the order of
 * their input slot compared as text (the frontend sorts the slot numbers as strings). A name
 * already taken gets the node's title (or type) in front, then a count. An inner output linked
 * only inside the group is hidden unless `external` lists it. Anything whose layout depends on the
 * frontend's version is refused: a PrimitiveNode that feeds an inner node, a Reroute at the
 * group's edge, a node type momaflow does not know.
 */
import { z } from 'zod';
import { ownValue } from '../../dictionary/dictionary';
import type { ComfyNode } from './comfy-ui-schema';
import { helperKind } from './helper-nodes';
import type { ImportNodeTypes, ImportWidget } from './import-node-types';

/** `[origin index, origin slot, target index, target slot, ...]`; origin null for a link from outside. */
export const zGroupNodeLink = z
  .tuple([z.number().int().nullable(), z.number().int(), z.number().int(), z.number().int()])
  .rest(z.unknown());
export type GroupNodeLink = z.output<typeof zGroupNodeLink>;

/** A widget the group shows, and the inner widget it stands for. */
export interface GroupWidget extends ImportWidget {
  readonly node: number;
  readonly input: string;
}

export interface GroupNodeLayout {
  /** In the order the instance stores their values. */
  readonly widgets: readonly GroupWidget[];
  /** Group input name -> the inner input it feeds (a socket or a widget's input). */
  readonly inputs: ReadonlyMap<string, { readonly node: number; readonly input: string }>;
  /** Group outputs in order. */
  readonly outputs: readonly { readonly node: number; readonly slot: number; readonly type: string }[];
}

/** A group node's stored definition, its entries parsed. */
export interface GroupNodeData {
  readonly nodes: readonly ComfyNode[];
  readonly links: readonly GroupNodeLink[];
  /** `[node index, output slot, type]` of outputs also linked outside the group. */
  readonly external: readonly (readonly unknown[])[];
  /** "Manage group node" settings: per node index, `input`/`output` name -> { name, visible }. */
  readonly config: unknown;
}

const SEEDS = new Set(['seed', 'noise_seed']);

const field = (value: unknown, key: string) =>
  typeof value === 'object' && value !== null ? ownValue(value, key) : undefined;

/** `config[node].input|output[key]`, as the group's manage dialog stores it. */
function custom(data: GroupNodeData, node: number, side: 'input' | 'output', key: string | number) {
  const entry = field(field(field(data.config, String(node)), side), String(key));
  const name = field(entry, 'name');
  return { name: typeof name === 'string' ? name : undefined, visible: field(entry, 'visible') };
}

/**
 * @returns the layout, or why it cannot be computed exactly
 * @example
 * const layout = groupNodeLayout(data, types); // { widgets: [{ name: 'text', node: 0, input: 'text', ... }], ... }
 */
export function groupNodeLayout(data: GroupNodeData, types: ImportNodeTypes): GroupNodeLayout | string {
  const linksFrom = new Map<number, Map<number, GroupNodeLink[]>>();
  const linksTo = new Map<number, Map<number, GroupNodeLink>>();
  for (const link of data.links) {
    const [origin, originSlot, target, targetSlot] = link;
    if (origin === null) continue;
    const from = linksFrom.get(origin) ?? new Map<number, GroupNodeLink[]>();
    from.set(originSlot, [...(from.get(originSlot) ?? []), link]);
    linksFrom.set(origin, from);
    const to = linksTo.get(target) ?? new Map<number, GroupNodeLink>();
    to.set(targetSlot, link);
    linksTo.set(target, to);
  }
  // The frontend tests the stored type, so an entry without one does not count.
  const external = new Set(data.external.flatMap(([node, slot, type]) => (type ? [`${node}:${slot}`] : [])));

  const seen = new Map<string, number>();
  const widgets: GroupWidget[] = [];
  const inputs = new Map<string, { node: number; input: string }>();
  const outputs: { node: number; slot: number; type: string }[] = [];
  const converted: (() => void)[] = [];

  let clash: string | undefined;
  /** The frontend's `getInputConfig` naming; a name that still repeats would lose a value, so it is refused. */
  const nameOf = (index: number, node: ComfyNode, input: string) => {
    const label = node.inputs.find((i) => i.name === input)?.label;
    let name = custom(data, index, 'input', input).name ?? (typeof label === 'string' ? label : input);
    let key = name;
    if (seen.has(name)) {
      const prefix = `${node.title ?? node.type} `;
      key = name = `${prefix}${input}`;
      if (seen.has(name)) name = `${prefix}${seen.get(name)} ${input}`;
    }
    seen.set(key, (seen.get(key) ?? 1) + 1);
    if (inputs.has(name)) clash ??= `two of its inputs are both named '${name}'`;
    return name;
  };
  const addWidget = (index: number, node: ComfyNode, widget: ImportWidget) => {
    const name = nameOf(index, node, widget.name);
    const control = widget.extra ?? (SEEDS.has(widget.name) && widget.kind === 'INT' ? 'control' : undefined);
    widgets.push({
      ...widget,
      name,
      node: index,
      input: widget.name,
      ...(control ? { extra: control } : {}),
    });
    inputs.set(name, { node: index, input: widget.name });
  };

  for (const [index, node] of data.nodes.entries()) {
    const what = `node ${index} (${node.type})`;
    const type = types(node.type);
    const from = linksFrom.get(index);
    const to = linksTo.get(index) ?? new Map<number, GroupNodeLink>();
    if (!type) {
      // The frontend's own nodes: one feeding nothing, a Reroute inside and a note add nothing.
      switch (helperKind(node, types)) {
        case 'primitive':
          if (!from) continue;
          return `its ${what} feeds inner nodes, whose widget layout differs between ComfyUI versions`;
        case 'reroute':
          if (from && to.size > 0 && !external.has(`${index}:0`)) continue;
          return `its ${what} is a Reroute at the group's edge, whose input type the frontend guesses`;
        case 'note':
          continue;
        default:
          return `its ${what} is a node type momaflow does not have`;
      }
    }
    const convertedAt = new Map<number, ImportWidget>();
    for (const widget of type.widgetInputs) {
      const at = node.inputs.findIndex((i) => i.name === widget.name && i.widget?.name === widget.name);
      if (at > -1) convertedAt.set(at, widget);
      else addWidget(index, node, widget);
    }
    // Sockets: inputs of a type without a widget (a link-only INT counts as a widget).
    const slots = node.inputs
      .filter((i) => !i.widget && !type.widgetInputs.some((w) => w.name === i.name))
      .map((i) => i.name);
    for (const [i, slot] of slots.entries()) {
      // The frontend looks up the i-th socket's link by its position among the sockets.
      if (to.has(i)) continue;
      const name = nameOf(index, node, slot);
      if (custom(data, index, 'input', slot).visible === false) continue;
      inputs.set(name, { node: index, input: slot });
    }
    converted.push(() => {
      const order = [...convertedAt.keys()].map(String).sort().map(Number);
      for (const [i, at] of order.entries()) {
        if (to.has(slots.length + i)) continue;
        addWidget(index, node, convertedAt.get(at)!);
      }
    });
    for (const [slot, output] of type.outputs.entries()) {
      const linkedInside = (from?.get(slot)?.length ?? 0) > 0 && !external.has(`${index}:${slot}`);
      if (!(custom(data, index, 'output', slot).visible ?? !linkedInside)) continue;
      outputs.push({ node: index, slot, type: output });
    }
  }
  for (const add of converted) add();
  return clash ?? { widgets, inputs, outputs };
}
