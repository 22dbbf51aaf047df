/**
 * @module
 * Builds ComfyUI frontend workflow files for tests, in either schema, from one compact description:
 * schema 0.4 (litegraph: `links` as arrays, native reroutes under `extra`) or schema 1 (`links` as
 * objects, `reroutes` and `state` at the top). Input slots' `link` and output slots' `links` are
 * filled in from the links, as the frontend writes them.
 */

export interface ComfyNodeSpec {
  readonly id: number;
  readonly type: string;
  readonly pos?: readonly [number, number];
  readonly size?: readonly [number, number];
  readonly title?: string;
  /** 0 always, 2 muted, 4 bypassed (and 1, 3: on event / on trigger). */
  readonly mode?: number;
  readonly widgets_values?: readonly unknown[] | Readonly<Record<string, unknown>>;
  /** Input slots in order; `widget` marks a widget that can also take a link. */
  readonly inputs?: readonly { readonly name: string; readonly type?: string; readonly widget?: boolean }[];
  readonly outputs?: readonly string[];
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly color?: string;
  readonly bgcolor?: string;
  readonly collapsed?: boolean;
}

/**
 * `[id, originId, originSlot, targetId, targetSlot, type]`, as schema 0.4 stores a link. Inside a
 * subgraph, origin -10 is the subgraph's input node (slot = input index) and target -20 its output node.
 */
export type ComfyLinkSpec = readonly [number, number, number, number, number, string];

export interface ComfyGraphSpec {
  readonly nodes: readonly ComfyNodeSpec[];
  readonly links?: readonly ComfyLinkSpec[];
  readonly groups?: readonly {
    readonly id?: number;
    readonly title: string;
    readonly bounding: readonly [number, number, number, number];
    readonly color?: string;
  }[];
  /** Native reroute points on links. */
  readonly reroutes?: readonly {
    readonly id: number;
    readonly pos: readonly [number, number];
    readonly linkIds: readonly number[];
  }[];
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Subgraph definitions (`definitions.subgraphs`); an instance is a node whose `type` is one's id. */
  readonly subgraphs?: readonly SubgraphSpec[];
}

export interface SubgraphSpec {
  /** A UUID, as the frontend writes it. */
  readonly id: string;
  readonly name: string;
  readonly nodes: readonly ComfyNodeSpec[];
  readonly links?: readonly ComfyLinkSpec[];
  readonly inputs?: readonly { readonly name: string; readonly type: string }[];
  readonly outputs?: readonly { readonly name: string; readonly type: string }[];
  /** Definitions nested in this one (the frontend usually lists them all at the top). */
  readonly subgraphs?: readonly SubgraphSpec[];
}

function node(spec: ComfyNodeSpec, links: readonly ComfyLinkSpec[], order: number) {
  return {
    id: spec.id,
    type: spec.type,
    pos: spec.pos ?? [spec.id * 100, 50],
    size: spec.size ?? [300, 120],
    flags: spec.collapsed ? { collapsed: true } : {},
    order,
    mode: spec.mode ?? 0,
    inputs: (spec.inputs ?? []).map((input, slot) => ({
      name: input.name,
      type: input.type ?? '*',
      link: links.find((l) => l[3] === spec.id && l[4] === slot)?.[0] ?? null,
      ...(input.widget ? { widget: { name: input.name } } : {}),
    })),
    outputs: (spec.outputs ?? []).map((type, slot) => ({
      name: type,
      type,
      links: links.filter((l) => l[1] === spec.id && l[2] === slot).map((l) => l[0]),
      slot_index: slot,
    })),
    properties: { 'Node name for S&R': spec.type, ...spec.properties },
    ...(spec.widgets_values !== undefined ? { widgets_values: spec.widgets_values } : {}),
    ...(spec.title !== undefined ? { title: spec.title } : {}),
    ...(spec.color !== undefined ? { color: spec.color } : {}),
    ...(spec.bgcolor !== undefined ? { bgcolor: spec.bgcolor } : {}),
  };
}

const slotId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const linkObject = ([id, origin_id, origin_slot, target_id, target_slot, type]: ComfyLinkSpec) => ({
  id,
  origin_id,
  origin_slot,
  target_id,
  target_slot,
  type,
});

/** A subgraph definition as frontend 1.24+ writes it: a schema-1 graph plus its input/output nodes and slots. */
function subgraphDefinition(spec: SubgraphSpec): Record<string, unknown> {
  const links = spec.links ?? [];
  const io = (slots: SubgraphSpec['inputs'], end: 1 | 3, base: number) =>
    (slots ?? []).map((slot, index) => ({
      id: slotId(base + index),
      name: slot.name,
      type: slot.type,
      linkIds: links
        .filter((l) => l[end] === (end === 1 ? -10 : -20) && l[end + 1] === index)
        .map((l) => l[0]),
      pos: [0, 20 * index],
    }));
  return {
    id: spec.id,
    version: 1,
    state: {
      lastGroupId: 0,
      lastNodeId: Math.max(0, ...spec.nodes.map((n) => n.id)),
      lastLinkId: 0,
      lastRerouteId: 0,
    },
    revision: 0,
    config: {},
    name: spec.name,
    inputNode: { id: -10, bounding: [-200, 0, 120, 60] },
    outputNode: { id: -20, bounding: [1200, 0, 120, 60] },
    inputs: io(spec.inputs, 1, 0),
    outputs: io(spec.outputs, 3, 100),
    widgets: [],
    nodes: spec.nodes.map((n, i) => node(n, links, i)),
    groups: [],
    links: links.map(linkObject),
    extra: {},
    ...(spec.subgraphs ? { definitions: { subgraphs: spec.subgraphs.map(subgraphDefinition) } } : {}),
  };
}

/** `[origin index (null: a node outside the group), origin slot, target index, target slot, origin node id, type]`. */
export type GroupNodeLinkSpec = readonly [number | null, number, number, number, number, string];

export interface GroupNodeSpec {
  /** In the group's order (`index`); `id` is the node's id in the graph the group was made from. */
  readonly nodes: readonly ComfyNodeSpec[];
  readonly links?: readonly GroupNodeLinkSpec[];
  /** `[index, output slot, type]` of outputs that were also linked outside. */
  readonly external?: readonly (readonly [number, number, string])[];
}

/**
 * A legacy group node definition (`extra.groupNodes[name]`) as the frontend's GroupNodeBuilder
 * stores it: the nodes serialized in order, links by index; inner inputs keep (stale) link ids
 * of the graph the group was made from.
 * @example
 * const extra = { groupNodes: { Sample: groupNodeDefinition({ nodes, links: [[0, 0, 1, 1, 6, 'CONDITIONING']] }) } };
 */
export function groupNodeDefinition(spec: GroupNodeSpec): Record<string, unknown> {
  const links = spec.links ?? [];
  return {
    nodes: spec.nodes.map((n, index) => {
      const serialized = node(n, [], index);
      const linked = (slot: number) => links.some((l) => l[2] === index && l[3] === slot);
      return {
        ...serialized,
        index,
        inputs: serialized.inputs.map((input, slot) => ({
          ...input,
          link: linked(slot) ? 1000 + slot : null,
        })),
      };
    }),
    links,
    external: spec.external ?? [],
  };
}

/**
 * @example
 * const file = comfyUiWorkflow({ nodes: [{ id: 1, type: 'Number', widgets_values: [2] }] }, 0.4);
 */
export function comfyUiWorkflow(spec: ComfyGraphSpec, version: 0.4 | 1): Record<string, unknown> {
  const links = spec.links ?? [];
  const nodes = spec.nodes.map((n, i) => node(n, links, i));
  const lastNodeId = Math.max(0, ...spec.nodes.map((n) => n.id));
  const lastLinkId = Math.max(0, ...links.map((l) => l[0]));
  const groups = (spec.groups ?? []).map((g) => ({ ...g, font_size: 24 }));
  const reroutes = spec.reroutes ?? [];
  const definitions = spec.subgraphs
    ? { definitions: { subgraphs: spec.subgraphs.map(subgraphDefinition) } }
    : {};
  if (version === 0.4) {
    return {
      last_node_id: lastNodeId,
      last_link_id: lastLinkId,
      nodes,
      links,
      groups,
      config: {},
      extra: {
        ds: { scale: 1, offset: [0, 0] },
        ...spec.extra,
        ...(reroutes.length > 0 ? { reroutes } : {}),
      },
      version: 0.4,
      ...definitions,
    };
  }
  return {
    id: '9b1f3c7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    revision: 0,
    version: 1,
    state: { lastNodeId, lastLinkId, lastGroupId: groups.length, lastRerouteId: reroutes.length },
    nodes,
    links: links.map(linkObject),
    groups,
    ...(reroutes.length > 0 ? { reroutes } : {}),
    config: {},
    extra: { ds: { scale: 1, offset: [0, 0] }, ...spec.extra },
    ...definitions,
  };
}
