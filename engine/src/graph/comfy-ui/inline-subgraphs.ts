/**
 * @module
 * ComfyUI subgraphs (frontend >= 1.24, `definitions.subgraphs`) inlined into one flat graph, as the
 * frontend flattens them when it queues a prompt (`ExecutableNodeDTO`): each node inside an instance
 * becomes a node with id `<instance id>:<inner id>` (nested: `5:3:2`), links across a subgraph's
 * boundary are joined end to end, and a widget an instance promotes gives its value to the inner
 * input it stands for when nothing is linked to it (older files list promoted widgets in the
 * instance's `properties.proxyWidgets` instead, values by position). As the current frontend does, a muted or
 * bypassed instance runs none of its nodes; a bypassed one passes each output through from its
 * input of the same type. The top level keeps its node and link ids, so a file without subgraphs
 * passes through unchanged.
 */
import { z } from 'zod';
import { type Dict, dict, ownValue } from '../../dictionary/dictionary';
import {
  COMFY_NODE_MODES,
  type ComfyLink,
  type ComfyNode,
  SUBGRAPH_INPUT_NODE,
  SUBGRAPH_OUTPUT_NODE,
  type SubgraphDefinition,
  zComfyLink,
  zComfyNode,
  zSubgraphDefinition,
} from './comfy-ui-schema';
import type { ImportNodeTypes } from './import-node-types';
import type { ImportProblem } from './import-problem';
import { parseEntries } from './parse-entries';

/** Ids of a subgraph's input and output pseudo-nodes, as this module compares link ends (text). */
const INPUT_NODE = String(SUBGRAPH_INPUT_NODE);
const OUTPUT_NODE = String(SUBGRAPH_OUTPUT_NODE);
/** Deeper nesting than this is refused (the frontend's own editor never gets near it). */
const MAX_SUBGRAPH_DEPTH = 32;
/** Legacy promotion (`properties.proxyWidgets`, migrated away by newer frontends): [inner node id, widget name]. */
const zProxyWidgets = z.array(z.tuple([z.string(), z.string()]).rest(z.unknown()));
/** Host id of a proxy entry that names one of the instance's own promoted inputs. */
const HOST = '-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Definition {
  readonly def: SubgraphDefinition;
  /** How messages name it: a subgraph, or a legacy group node expanded as one. */
  readonly kind: 'subgraph' | 'group node';
  readonly nodes: ReadonlyMap<string, ComfyNode>;
  readonly links: readonly ComfyLink[];
}

/** One graph level: the top level, or the inside of one instance. */
interface Scope {
  /** Instance ids from the top level down to this scope's instance. */
  readonly path: readonly string[];
  readonly nodes: ReadonlyMap<string, ComfyNode>;
  readonly links: ReadonlyMap<number, ComfyLink>;
  readonly instance?: { readonly node: ComfyNode; readonly parent: Scope; readonly definition: Definition };
  /** Added to inner positions so the inside is drawn where its instance was. */
  readonly shift: readonly [number, number];
}

/** Where an inner input's value comes from. */
type Resolved =
  | { readonly kind: 'link'; readonly origin: string; readonly slot: number }
  | { readonly kind: 'value'; readonly value: unknown }
  /** Nothing linked or promoted: the inner node keeps its own widget value. */
  | { readonly kind: 'unset' }
  | { readonly kind: 'none'; readonly why: string };

export interface InlinedGraph {
  readonly nodes: readonly ComfyNode[];
  readonly links: readonly ComfyLink[];
  /** Inlined node id -> input name -> the value its instance's promoted widget holds. */
  readonly values: ReadonlyMap<string, Dict<unknown>>;
  /** One group per inlined instance, framing its nodes and titled with the subgraph's name. */
  readonly groups: readonly { readonly title: string; readonly bounding: [number, number, number, number] }[];
  /** Instances that could not be inlined, by node id: kept like an unknown type, with this problem. */
  readonly refused: ReadonlyMap<string, ImportProblem>;
}

function parseDefinition(
  def: SubgraphDefinition,
  kind: Definition['kind'],
  problems: ImportProblem[],
): Definition {
  const what = `${kind} '${def.name}'`;
  const nodes = parseEntries(def.nodes, (v) => zComfyNode.safeParse(v).data, `${what}: node entry`, problems);
  return {
    def,
    kind,
    nodes: new Map(nodes.map((n) => [String(n.id), n])),
    links: parseEntries(def.links, (v) => zComfyLink.safeParse(v).data, `${what}: link entry`, problems),
  };
}

function collectDefinitions(
  raw: readonly unknown[],
  problems: ImportProblem[],
  into: Map<string, Definition>,
): Map<string, Definition> {
  for (const def of parseEntries(
    raw,
    (v) => zSubgraphDefinition.safeParse(v).data,
    'subgraph definition',
    problems,
  )) {
    if (!into.has(def.id)) into.set(def.id, parseDefinition(def, 'subgraph', problems));
    collectDefinitions(def.definitions?.subgraphs ?? [], problems, into);
  }
  return into;
}

const flatId = (scope: Scope, id: string) => [...scope.path, id].join(':');
const place = (scope: Scope, pos: readonly [number, number]): [number, number] => [
  pos[0] + scope.shift[0],
  pos[1] + scope.shift[1],
];
/** The instance's legacy proxy widgets (a list, or the JSON text of one); undefined when it has none. */
function proxyWidgets(node: ComfyNode): readonly (readonly [string, string, ...unknown[]])[] | undefined {
  let raw = ownValue(node.properties, 'proxyWidgets');
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return zProxyWidgets.safeParse(raw).data;
}

const inputName = (node: ComfyNode | undefined, slot: number) => {
  const input = node?.inputs[slot];
  return input?.widget?.name ?? input?.name;
};

/** The input a bypassed instance passes output `slot` through from (-1: none), as the frontend picks it. */
function bypassInput(def: SubgraphDefinition, slot: number): number {
  const type = def.outputs[slot]?.type;
  if (type === undefined || type === '*' || type === '') return def.inputs.length > slot ? slot : 0;
  if (String(def.inputs[slot]?.type) === String(type)) return slot;
  return def.inputs.findIndex((input) => String(input.type) === String(type));
}

/**
 * `groupNodes` holds, by top-level node id, the definition a legacy group node instance is
 * inlined as (`expandGroupNodes`).
 * @example
 * const flat = inlineSubgraphs({ nodes, links }, doc.definitions?.subgraphs ?? [], types, problems);
 */
export function inlineSubgraphs(
  top: { readonly nodes: readonly ComfyNode[]; readonly links: readonly ComfyLink[] },
  rawDefinitions: readonly unknown[],
  types: ImportNodeTypes,
  problems: ImportProblem[],
  groupNodes: ReadonlyMap<string, SubgraphDefinition> = new Map(),
): InlinedGraph {
  const definitions = collectDefinitions(rawDefinitions, problems, new Map());
  const groupDefinitions = new Map(
    [...groupNodes].map(([id, def]) => [id, parseDefinition(def, 'group node', problems)]),
  );
  const root: Scope = {
    path: [],
    nodes: new Map(top.nodes.map((n) => [String(n.id), n])),
    links: new Map(top.links.map((l) => [l.id, l])),
    shift: [0, 0],
  };
  let nextLinkId = top.links.reduce((max, l) => Math.max(max, l.id), 0) + 1;
  const nodes: ComfyNode[] = [];
  const links: ComfyLink[] = [];
  const values = new Map<string, Dict<unknown>>();
  const groups: { title: string; bounding: [number, number, number, number] }[] = [];
  const refused = new Map<string, ImportProblem>();
  const scopes = new Map<string, Scope>();

  const definitionOf = (scope: Scope, node: ComfyNode) => {
    if (types(node.type)) return undefined;
    return (scope.instance ? undefined : groupDefinitions.get(String(node.id))) ?? definitions.get(node.type);
  };
  const label = (definition: Definition, id: string) => `${definition.kind} '${definition.def.name}' #${id}`;

  /** Why this instance cannot be inlined; undefined when it can. */
  const refusal = (scope: Scope, node: ComfyNode, definition: Definition): string | undefined => {
    const id = flatId(scope, String(node.id));
    for (let s: Scope | undefined = scope; s?.instance; s = s.instance.parent) {
      if (s.instance.definition.def.id === definition.def.id)
        return `node #${id} is an instance of subgraph '${definition.def.name}' inside that same subgraph, a loop ComfyUI cannot run either; it is kept and will not run`;
    }
    if (scope.path.length >= MAX_SUBGRAPH_DEPTH)
      return `node #${id}: subgraph '${definition.def.name}' is nested more than ${MAX_SUBGRAPH_DEPTH} levels deep; it is kept and will not run`;
    return undefined;
  };
  const inlinable = (scope: Scope, node: ComfyNode | undefined) => {
    const definition = node && definitionOf(scope, node);
    return definition && !refusal(scope, node, definition) ? definition : undefined;
  };

  const childScope = (scope: Scope, node: ComfyNode, definition: Definition): Scope => {
    const id = flatId(scope, String(node.id));
    const known = scopes.get(id);
    if (known) return known;
    const inner = [...definition.nodes.values()];
    const min = (axis: 0 | 1) => inner.reduce((m, n) => Math.min(m, n.pos[axis]), Number.POSITIVE_INFINITY);
    const at = place(scope, node.pos);
    const child: Scope = {
      path: [...scope.path, String(node.id)],
      nodes: definition.nodes,
      links: new Map(definition.links.map((l) => [l.id, l])),
      instance: { node, parent: scope, definition },
      shift: inner.length > 0 ? [at[0] - min(0), at[1] - min(1)] : at,
    };
    scopes.set(id, child);
    return child;
  };

  /** The value an instance's promoted widget holds for its input `slot` (undefined: none). */
  const promotedValue = (node: ComfyNode, slot: number, definition: Definition): unknown => {
    const input = node.inputs[slot];
    if (!input?.widget) return undefined;
    const stored = node.widgets_values;
    if (stored !== undefined && !Array.isArray(stored)) return ownValue(stored, input.widget.name);
    const proxies = proxyWidgets(node);
    if (proxies) {
      // Values follow the proxy list, one per entry.
      const at = proxies.findIndex(([id, name]) => id === HOST && name === input.name);
      return at >= 0 ? stored?.[at] : undefined;
    }
    // One value per promoted input; older frontends also stored a seed's "control after generate".
    const promoted = node.inputs.flatMap((candidate, index) => (candidate.widget ? [index] : []));
    const withControls = (stored?.length ?? 0) > promoted.length;
    let at = 0;
    for (const index of promoted) {
      if (index === slot) return stored?.[at];
      at += withControls && feedsSeed(definition, index) ? 2 : 1;
    }
    return undefined;
  };
  /** Legacy proxy widgets that name an inner node's widget: the instance's value replaces the stored one. */
  const promoteProxies = (child: Scope) => {
    const { node } = child.instance!;
    const stored = node.widgets_values;
    if (!Array.isArray(stored)) return;
    for (const [at, [id, name]] of (proxyWidgets(node) ?? []).entries()) {
      const inner = child.nodes.get(id);
      if (id === HOST || at >= stored.length || !inner || definitionOf(child, inner)) continue;
      const key = flatId(child, id);
      const promoted = values.get(key) ?? dict<unknown>();
      promoted[name] = stored[at];
      values.set(key, promoted);
    }
  };
  /** Whether subgraph input `index` feeds a widget with a "control after generate" value. */
  const feedsSeed = (definition: Definition, index: number) =>
    definition.links.some((l) => {
      if (String(l.origin) !== INPUT_NODE || l.originSlot !== index) return false;
      const target = definition.nodes.get(String(l.target));
      const name = inputName(target, l.targetSlot);
      return (
        target !== undefined && types(target.type)?.widgets.find((w) => w.name === name)?.extra === 'control'
      );
    });

  const resolveOrigin = (scope: Scope, link: ComfyLink, seen: Set<string>): Resolved => {
    const key = `${scope.path.join(':')}|${link.id}`;
    if (seen.has(key)) return { kind: 'none', why: 'it runs in a loop through subgraph boundaries' };
    seen.add(key);
    const origin = String(link.origin);
    if (scope.instance && origin === INPUT_NODE) return resolveBoundary(scope, link.originSlot, seen);
    const node = scope.nodes.get(origin);
    const definition = inlinable(scope, node);
    if (!node || !definition) return { kind: 'link', origin: flatId(scope, origin), slot: link.originSlot };
    const name = label(definition, flatId(scope, origin));
    const mode = COMFY_NODE_MODES[node.mode];
    if (mode === 'muted') return { kind: 'none', why: `its source, ${name}, is muted` };
    if (mode === 'bypassed') {
      const upstream = node.inputs[bypassInput(definition.def, link.originSlot)]?.link;
      const outer = upstream === undefined || upstream === null ? undefined : scope.links.get(upstream);
      return outer
        ? resolveOrigin(scope, outer, seen)
        : {
            kind: 'none',
            why: `its source, ${name}, is bypassed and has no linked input of that output's type`,
          };
    }
    const inner = definition.links.find(
      (l) => String(l.target) === OUTPUT_NODE && l.targetSlot === link.originSlot,
    );
    return inner
      ? resolveOrigin(childScope(scope, node, definition), inner, seen)
      : { kind: 'none', why: `output ${link.originSlot} of ${name} is not connected inside it` };
  };

  const resolveBoundary = (scope: Scope, slot: number, seen: Set<string>): Resolved => {
    const { node, parent, definition } = scope.instance!;
    const linkId = node.inputs[slot]?.link;
    const outer = linkId === undefined || linkId === null ? undefined : parent.links.get(linkId);
    if (outer) return resolveOrigin(parent, outer, seen);
    const value = promotedValue(node, slot, definition);
    return value === undefined ? { kind: 'unset' } : { kind: 'value', value };
  };

  /** The scope's links, joined across boundaries; returns old inner link id -> new id. */
  const emitLinks = (scope: Scope): Map<number, number> => {
    const renumbered = new Map<number, number>();
    for (const link of scope.links.values()) {
      const targetId = String(link.target);
      const target = scope.nodes.get(targetId);
      // Links into an output pseudo-node or an inlined instance are read from the other end.
      if ((scope.instance && targetId === OUTPUT_NODE) || inlinable(scope, target)) continue;
      const to = flatId(scope, targetId);
      const resolved = resolveOrigin(scope, link, new Set());
      if (resolved.kind === 'link') {
        const id = scope.instance ? nextLinkId++ : link.id;
        renumbered.set(link.id, id);
        links.push({ ...link, id, origin: resolved.origin, originSlot: resolved.slot, target: to });
      } else if (resolved.kind === 'value') {
        const name = inputName(target, link.targetSlot);
        if (name === undefined) continue;
        const promoted = values.get(to) ?? dict<unknown>();
        promoted[name] = resolved.value;
        values.set(to, promoted);
      } else if (resolved.kind === 'none') {
        problems.push({
          code: 'link_dropped',
          nodeId: to,
          classType: target?.type ?? null,
          message: `${target?.type ?? 'node'} #${to} input '${inputName(target, link.targetSlot) ?? link.targetSlot}': link ${link.id} was dropped, ${resolved.why}`,
        });
      }
    }
    return renumbered;
  };

  const frame = (title: string, from: number) => {
    const inner = nodes.slice(from);
    if (inner.length === 0) return;
    const x0 = Math.min(...inner.map((n) => n.pos[0]));
    const y0 = Math.min(...inner.map((n) => n.pos[1]));
    const x1 = Math.max(...inner.map((n) => n.pos[0] + (n.size?.[0] ?? 200)));
    const y1 = Math.max(...inner.map((n) => n.pos[1] + (n.size?.[1] ?? 100)));
    groups.push({ title, bounding: [x0 - 10, y0 - 40, x1 - x0 + 20, y1 - y0 + 50] });
  };

  const expand = (scope: Scope) => {
    const renumbered = emitLinks(scope);
    for (const node of scope.nodes.values()) {
      const id = flatId(scope, String(node.id));
      const definition = definitionOf(scope, node);
      const why = definition ? refusal(scope, node, definition) : undefined;
      if (!definition || why) {
        if (why || (!types(node.type) && UUID.test(node.type)))
          refused.set(id, {
            code: 'subgraph_refused',
            nodeId: id,
            classType: node.type,
            message:
              why ??
              `node #${id} is a subgraph instance, but the file holds no definition of subgraph ${node.type}; it is kept and will not run`,
          });
        nodes.push(
          scope.instance
            ? {
                ...node,
                id,
                pos: place(scope, node.pos),
                inputs: node.inputs.map((input) => ({
                  ...input,
                  link:
                    input.link === undefined || input.link === null
                      ? null
                      : (renumbered.get(input.link) ?? null),
                })),
              }
            : node,
        );
        continue;
      }
      const name = label(definition, id);
      const mode = COMFY_NODE_MODES[node.mode];
      if (mode === 'muted' || mode === 'bypassed') {
        problems.push({
          code: 'subgraph_inlined',
          nodeId: id,
          classType: node.type,
          message: `${name} is ${mode}: its nodes were not imported, as ComfyUI runs none of them${mode === 'bypassed' ? '; its outputs read from its inputs of the same type' : ''}`,
        });
        continue;
      }
      const child = childScope(scope, node, definition);
      problems.push({
        code: 'subgraph_inlined',
        nodeId: id,
        classType: node.type,
        message: `${name} was inlined: its ${definition.nodes.size} node(s) are now ${id}:<inner id>`,
      });
      promoteProxies(child);
      const from = nodes.length;
      expand(child);
      frame(definition.def.name || id, from);
    }
  };

  expand(root);
  return { nodes, links, values, groups, refused };
}
