/**
 * @module
 * Legacy ComfyUI group nodes (a top-level node of type `workflow>Name`, older `workflow/Name`,
 * defined in `extra.groupNodes[Name]`) turned into one subgraph definition per instance, which
 * `inlineSubgraphs` then inlines as ComfyUI's frontend does when it queues one: inner node `i`
 * becomes `<instance id>:<i>`, a muted or bypassed instance runs none of them. The instance's
 * widget values are written into the inner widgets they stand for (`group-node-layout.ts` says
 * which, in the frontend's order); the instance's inputs and outputs are matched to inner slots by
 * the names and positions the frontend gives them. An instance whose values or links cannot be
 * placed exactly is refused (kept like an unknown type), never guessed.
 */
import { z } from 'zod';
import { ownValue } from '../../dictionary/dictionary';
import {
  type ComfyNode,
  SUBGRAPH_INPUT_NODE,
  SUBGRAPH_OUTPUT_NODE,
  type SubgraphDefinition,
  zComfyNode,
} from './comfy-ui-schema';
import { type GroupWidget, groupNodeLayout, zGroupNodeLink } from './group-node-layout';
import type { ImportNodeTypes, ImportWidget } from './import-node-types';
import type { ImportProblem } from './import-problem';

const GROUP_TYPE = /^workflow[>/](.+)$/;

const zGroupNodeDefinition = z.looseObject({
  nodes: z.array(z.unknown()),
  links: z.array(z.unknown()).default([]),
  external: z.array(z.array(z.unknown())).default([]),
  config: z.unknown().optional(),
});

export interface GroupNodeExpansion {
  /** Top-level instance id -> the subgraph definition it is inlined as. */
  readonly definitions: ReadonlyMap<string, SubgraphDefinition>;
  /** Instances that cannot be expanded, by node id: kept like an unknown type, with this problem. */
  readonly refused: ReadonlyMap<string, ImportProblem>;
}

/** One value (and "control after generate" mode) for an inner widget. */
interface Override {
  readonly widget: string;
  readonly value: unknown;
  readonly control?: unknown;
}

/** Where each widget's value sits in a stored `widgets_values`, or undefined when its length fits no layout. */
function positions(widgets: readonly ImportWidget[], stored: number) {
  const extras = widgets.filter((w) => w.extra).length;
  const withExtras =
    stored === widgets.length + extras ? true : stored === widgets.length ? false : undefined;
  if (withExtras === undefined) return undefined;
  const at = new Map<string, { value: number; extra?: number }>();
  let next = 0;
  for (const w of widgets) {
    const value = next++;
    at.set(w.name, withExtras && w.extra ? { value, extra: next++ } : { value });
  }
  return at;
}

/** The instance's values by inner node index, or why they cannot be placed. */
function overrides(widgets: readonly GroupWidget[], raw: ComfyNode['widgets_values']) {
  const byNode = new Map<number, Override[]>();
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return byNode;
  if (!Array.isArray(raw)) return 'its widget values are stored by name, which group nodes never do';
  const at = positions(widgets, raw.length);
  if (!at) {
    const extras = widgets.filter((w) => w.extra).length;
    return `it holds ${raw.length} widget value(s), but the group's widgets take ${widgets.length + extras} (${widgets.length} without "control after generate" and upload values)`;
  }
  for (const w of widgets) {
    const { value, extra } = at.get(w.name)!;
    // A link-only input has no value to take (a link from outside reaches it through the instance).
    if (w.forceInput) continue;
    const list = byNode.get(w.node) ?? [];
    list.push({
      widget: w.input,
      value: raw[value],
      ...(extra === undefined ? {} : { control: raw[extra] }),
    });
    byNode.set(w.node, list);
  }
  return byNode;
}

/** The inner node's stored values with the instance's written over them, or why they do not fit. */
function withValues(node: ComfyNode, widgets: readonly ImportWidget[], values: readonly Override[]) {
  const stored = Array.isArray(node.widgets_values) ? [...node.widgets_values] : undefined;
  const at = stored && positions(widgets, stored.length);
  if (!stored || !at) return undefined;
  for (const { widget, value, control } of values) {
    const slot = at.get(widget)!;
    stored[slot.value] = value;
    if (slot.extra !== undefined && control !== undefined) stored[slot.extra] = control;
  }
  return stored;
}

/** The definition instance `node` is inlined as, or why it cannot be. */
function definitionFor(node: ComfyNode, name: string, raw: unknown, types: ImportNodeTypes) {
  if (raw === undefined) return `the file's extra.groupNodes holds no definition of it`;
  const data = zGroupNodeDefinition.safeParse(raw);
  if (!data.success) return 'its definition in extra.groupNodes is not a group node';
  const nodes = data.data.nodes.map((v) => zComfyNode.safeParse(v).data);
  const links = data.data.links.map((v) => zGroupNodeLink.safeParse(v).data);
  const bad = nodes.findIndex((n) => !n);
  if (bad > -1) return `node ${bad} of its definition is not a node`;
  if (links.some((l) => !l)) return 'a link of its definition is not [origin, slot, target, slot, ...]';
  const inner = nodes as ComfyNode[];
  const layout = groupNodeLayout(
    {
      nodes: inner,
      links: links as NonNullable<(typeof links)[number]>[],
      external: data.data.external,
      config: data.data.config,
    },
    types,
  );
  if (typeof layout === 'string') return layout;
  const values = overrides(layout.widgets, node.widgets_values);
  if (typeof values === 'string') return values;

  const innerNodes = inner.map((n, index) => ({
    ...n,
    id: index,
    inputs: n.inputs.map((input) => ({ ...input, link: null as number | null })),
  }));
  for (const [index, list] of values) {
    const widgets = types(inner[index]!.type)!.widgets;
    const stored = withValues(inner[index]!, widgets, list);
    if (!stored)
      return `the values stored for its node ${index} (${inner[index]!.type}) do not fit that type's widgets`;
    innerNodes[index] = { ...innerNodes[index]!, widgets_values: stored };
  }
  const defLinks: [number, number, number, number, number][] = [];
  const link = (origin: number, originSlot: number, target: number, targetSlot: number) => {
    const id = defLinks.length + 1;
    defLinks.push([id, origin, originSlot, target, targetSlot]);
    const input = innerNodes[target]?.inputs[targetSlot];
    if (input) input.link = id;
  };
  for (const l of links) if (l && l[0] !== null) link(l[0], l[1], l[2], l[3]);
  for (const [slot, input] of node.inputs.entries()) {
    if (input.link === undefined || input.link === null) continue;
    const into = layout.inputs.get(input.name) ?? layout.inputs.get(input.widget?.name ?? '');
    if (!into) return `its input '${input.name}' is linked, but the group has no input of that name`;
    const target = innerNodes[into.node]!;
    let at = target.inputs.findIndex((i) => (i.widget?.name ?? i.name) === into.input);
    if (at < 0) {
      // A widget that was not an input inside: it becomes one, as the frontend links it.
      at = target.inputs.push({ name: into.input, widget: { name: into.input }, link: null }) - 1;
    }
    link(SUBGRAPH_INPUT_NODE, slot, into.node, at);
  }
  for (const [slot, output] of layout.outputs.entries())
    link(output.node, output.slot, SUBGRAPH_OUTPUT_NODE, slot);
  const typeOf = (type: unknown) => (typeof type === 'string' ? type : '*');
  return {
    id: `${node.type}#${node.id}`,
    name,
    nodes: innerNodes,
    links: defLinks,
    inputs: node.inputs.map((input) => ({ name: input.name, type: typeOf(ownValue(input, 'type')) })),
    outputs: layout.outputs.map((o) => ({ name: o.type, type: o.type })),
  } satisfies SubgraphDefinition;
}

/**
 * @example
 * const groups = expandGroupNodes(topNodes, doc.extra?.groupNodes, types);
 * const flat = inlineSubgraphs(top, subgraphs, types, problems, groups.definitions);
 */
export function expandGroupNodes(
  nodes: readonly ComfyNode[],
  groupNodes: unknown,
  types: ImportNodeTypes,
): GroupNodeExpansion {
  const definitions = new Map<string, SubgraphDefinition>();
  const refused = new Map<string, ImportProblem>();
  for (const node of nodes) {
    const name = GROUP_TYPE.exec(node.type)?.[1];
    if (name === undefined || types(node.type)) continue;
    const id = String(node.id);
    const raw =
      typeof groupNodes === 'object' && groupNodes !== null ? ownValue(groupNodes, name) : undefined;
    const definition = definitionFor(node, name, raw, types);
    if (typeof definition !== 'string') definitions.set(id, definition);
    else
      refused.set(id, {
        code: 'unsupported_node',
        nodeId: id,
        classType: node.type,
        message: `node #${id} is an instance of legacy group node '${name}', which cannot be expanded exactly: ${definition}; it is kept and will not run`,
      });
  }
  return { definitions, refused };
}
