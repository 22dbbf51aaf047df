/**
 * @module
 * The ComfyUI frontend's workflow files ("UI format"), read leniently: schema 0.4 (litegraph:
 * `links` as `[id, origin, origin_slot, target, target_slot, type]` arrays, native reroutes under
 * `extra.reroutes`) and schema 1 (`links` as objects, `reroutes` and `state` at the top). Shapes
 * follow the frontend's `workflowSchema.ts`; unknown fields pass through, since newer frontends add
 * some and nothing here depends on them.
 */
import { z } from 'zod';
import { zDict } from '../../dictionary/z-dict';
import type { NodeMode } from '../workflow';

/** The frontend's node modes that momaflow has: 0 always, 2 never (muted), 4 bypass. */
export const COMFY_NODE_MODES: Readonly<Record<number, NodeMode>> = {
  0: 'always',
  2: 'muted',
  4: 'bypassed',
};

/** `[x, y]`, or the `{ 0: x, 1: y }` some frontend versions wrote. */
const zVector2 = z.union([
  z.tuple([z.number(), z.number()]),
  z.object({ 0: z.number(), 1: z.number() }).transform((v): [number, number] => [v[0], v[1]]),
]);
const zNodeId = z.union([z.number().int(), z.string().min(1)]);
/** A slot index, which some files hold as a numeric string. */
const zSlot = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

const zComfyInput = z.looseObject({
  name: z.string(),
  link: z.number().int().nullish(),
  /** Set when the input is a widget that can also take a link; `name` is the widget's. */
  widget: z.looseObject({ name: z.string() }).optional(),
});

export const zComfyNode = z.looseObject({
  id: zNodeId,
  type: z.string().min(1),
  title: z.string().optional(),
  pos: zVector2.default([0, 0]),
  size: zVector2.optional(),
  flags: z.looseObject({ collapsed: z.boolean().optional() }).optional(),
  /** 0 always, 1 on event, 2 never (muted), 3 on trigger, 4 bypass. */
  mode: z.number().int().default(0),
  inputs: z.array(zComfyInput).default([]),
  properties: zDict(z.unknown()).prefault({}),
  widgets_values: z.union([z.array(z.unknown()), zDict(z.unknown())]).optional(),
  color: z.string().optional(),
  bgcolor: z.string().optional(),
});
export type ComfyNode = z.output<typeof zComfyNode>;

const zLinkTuple = z
  .tuple([z.number().int(), zNodeId, zSlot, zNodeId, zSlot])
  .rest(z.unknown())
  .transform(([id, origin, originSlot, target, targetSlot]) => ({
    id,
    origin,
    originSlot,
    target,
    targetSlot,
  }));
const zLinkObject = z
  .looseObject({
    id: z.number().int(),
    origin_id: zNodeId,
    origin_slot: zSlot,
    target_id: zNodeId,
    target_slot: zSlot,
  })
  .transform((l) => ({
    id: l.id,
    origin: l.origin_id,
    originSlot: l.origin_slot,
    target: l.target_id,
    targetSlot: l.target_slot,
  }));
/** A link in either schema's spelling, normalised. */
export const zComfyLink = z.union([zLinkTuple, zLinkObject]);
export type ComfyLink = z.output<typeof zComfyLink>;

export const zComfyGroup = z.looseObject({
  id: z.number().int().optional(),
  title: z.string().default(''),
  bounding: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  color: z.string().optional(),
});

export const zComfyReroute = z.looseObject({
  id: z.number().int(),
  parentId: z.number().int().optional(),
  pos: zVector2,
  linkIds: z.array(z.number().int()).nullish(),
});

const zSubgraphIO = z.looseObject({
  name: z.string(),
  type: z.union([z.string(), z.array(z.string()), z.number()]).optional(),
  linkIds: z.array(z.number().int()).nullish(),
});

/** The ids of a subgraph's input and output pseudo-nodes, where links cross its boundary. */
export const SUBGRAPH_INPUT_NODE = -10;
export const SUBGRAPH_OUTPUT_NODE = -20;

/**
 * One `definitions.subgraphs` entry: a schema-1 graph whose links may start at its input node
 * (id -10, slot = the subgraph input's index) and end at its output node (id -20). Its nodes and
 * links are parsed one by one, as the top level's are.
 */
export const zSubgraphDefinition = z.looseObject({
  id: z.string().min(1),
  name: z.string().default(''),
  nodes: z.array(z.unknown()).default([]),
  /** An array in files; some test fixtures of the frontend hold a map by link id. */
  links: z.union([z.array(z.unknown()), zDict(z.unknown()).transform((m) => Object.values(m))]).default([]),
  inputs: z.array(zSubgraphIO).default([]),
  outputs: z.array(zSubgraphIO).default([]),
  definitions: z.looseObject({ subgraphs: z.array(z.unknown()).default([]) }).optional(),
});
export type SubgraphDefinition = z.output<typeof zSubgraphDefinition>;

/** The document around the nodes; nodes and links are parsed one by one, so one bad entry is reported, not fatal. */
export const zComfyUiWorkflow = z.looseObject({
  version: z.number(),
  nodes: z.array(z.unknown()),
  links: z.array(z.unknown()).default([]),
  groups: z.array(z.unknown()).default([]),
  reroutes: z.array(z.unknown()).optional(),
  extra: zDict(z.unknown()).nullish(),
  /** Subgraph definitions (frontend >= 1.24), each parsed on its own by `zSubgraphDefinition`. */
  definitions: z.looseObject({ subgraphs: z.array(z.unknown()).default([]) }).optional(),
});
export type ComfyUiWorkflow = z.output<typeof zComfyUiWorkflow>;

/**
 * True for a ComfyUI frontend workflow: a `nodes` array with `links` as an array (0.4), or the
 * `state` of schema 1, or litegraph's `last_node_id`. momaflow's own version-1 files have none.
 */
export function looksLikeComfyUiWorkflow(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || !Array.isArray(Reflect.get(data, 'nodes'))) return false;
  return (
    Array.isArray(Reflect.get(data, 'links')) ||
    typeof Reflect.get(data, 'state') === 'object' ||
    Reflect.get(data, 'last_node_id') !== undefined
  );
}
