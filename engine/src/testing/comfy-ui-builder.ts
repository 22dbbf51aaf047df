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

/** `[id, originId, originSlot, targetId, targetSlot, type]`, as schema 0.4 stores a link. */
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
    };
  }
  return {
    id: '9b1f3c7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    revision: 0,
    version: 1,
    state: { lastNodeId, lastLinkId, lastGroupId: groups.length, lastRerouteId: reroutes.length },
    nodes,
    links: links.map(([id, origin_id, origin_slot, target_id, target_slot, type]) => ({
      id,
      origin_id,
      origin_slot,
      target_id,
      target_slot,
      type,
    })),
    groups,
    ...(reroutes.length > 0 ? { reroutes } : {}),
    config: {},
    extra: { ds: { scale: 1, offset: [0, 0] }, ...spec.extra },
  };
}
