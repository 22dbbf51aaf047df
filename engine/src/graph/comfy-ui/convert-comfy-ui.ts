/**
 * @module
 * A ComfyUI frontend workflow (schema 0.4 or 1) as momaflow's saved workflow. Real nodes keep their
 * ids, positions, sizes, titles, colours and modes; widget values are matched to input names by the
 * node types' schemas; links become `[nodeId, outputIndex]` inputs. The frontend's own helper nodes
 * are resolved as ComfyUI resolves them when it queues: a Reroute is folded into the links through
 * it, a PrimitiveNode's value is written into the inputs it feeds, Note and MarkdownNote become notes.
 * Subgraphs and legacy group nodes are inlined first (`inline-subgraphs.ts`, `expand-group-nodes.ts`).
 * Native reroute points, the view and anything that did not fit are kept under `extra.comfyui`.
 * Every such change is listed as an `ImportProblem`.
 */
import { type Dict, dict, ownValue } from '../../dictionary/dictionary';
import {
  SEED_CONTROL_KEY,
  type SeedControl,
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  type Workflow,
  type WorkflowGroup,
  type WorkflowNode,
  type WorkflowNote,
} from '../workflow';
import {
  COMFY_NODE_MODES,
  type ComfyNode,
  type ComfyUiWorkflow,
  zComfyGroup,
  zComfyLink,
  zComfyNode,
  zComfyReroute,
} from './comfy-ui-schema';
import { expandGroupNodes } from './expand-group-nodes';
import { type HelperGraph, helperKind, sourceOf } from './helper-nodes';
import type { ImportNodeTypes } from './import-node-types';
import type { ImportProblem } from './import-problem';
import { inlineSubgraphs } from './inline-subgraphs';
import { mapWidgetValues } from './map-widget-values';
import { parseEntries } from './parse-entries';

/** The key of `extra` under which ComfyUI data without a momaflow equivalent is kept. */
export const COMFYUI_EXTRA_KEY = 'comfyui';

function packOf(node: ComfyNode): string | undefined {
  const pack = ownValue(node.properties, 'cnr_id') ?? ownValue(node.properties, 'aux_id');
  return typeof pack === 'string' && pack.length > 0 ? pack : undefined;
}

function unknownTypeProblem(node: ComfyNode, id: string): ImportProblem {
  const values = Array.isArray(node.widgets_values) ? node.widgets_values : [];
  const kept =
    values.length > 0 ? `; its ${values.length} widget value(s) are kept in extra.${COMFYUI_EXTRA_KEY}` : '';
  if (/^workflow[>/]/.test(node.type)) {
    return {
      code: 'unsupported_node',
      nodeId: id,
      classType: node.type,
      // Only top-level instances are expanded: the frontend keeps group definitions at the top.
      message: `node #${id} is a legacy ComfyUI group node inside a subgraph, which momaflow does not expand (convert it to a subgraph in ComfyUI)${kept}`,
    };
  }
  const pack = packOf(node);
  const from =
    pack === 'comfy-core'
      ? ' (a ComfyUI core node momaflow does not have)'
      : pack
        ? ` from node pack '${pack}', which is not installed`
        : ' (is its node pack installed?)';
  return {
    code: 'unknown_node_type',
    nodeId: id,
    classType: node.type,
    message: `node #${id}: unknown node type '${node.type}'${from}${kept}`,
  };
}

/**
 * @example
 * const { workflow, problems } = convertComfyUiWorkflow(zComfyUiWorkflow.parse(json), importNodeTypes(info));
 */
export function convertComfyUiWorkflow(
  doc: ComfyUiWorkflow,
  types: ImportNodeTypes,
): { workflow: Workflow; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const top = {
    nodes: parseEntries(doc.nodes, (v) => zComfyNode.safeParse(v).data, 'node entry', problems),
    links: parseEntries(doc.links, (v) => zComfyLink.safeParse(v).data, 'link entry', problems),
  };
  const groupNodes = expandGroupNodes(top.nodes, doc.extra?.groupNodes, types);
  const flat = inlineSubgraphs(
    top,
    doc.definitions?.subgraphs ?? [],
    types,
    problems,
    groupNodes.definitions,
  );
  const nodeList = flat.nodes;
  const linkList = flat.links;
  const ctx: HelperGraph = {
    nodes: new Map(nodeList.map((n) => [String(n.id), n])),
    links: new Map(linkList.map((l) => [l.id, l])),
    types,
  };
  const nodes = dict<WorkflowNode>();
  const notes: WorkflowNote[] = [];
  const seedControls = dict<Dict<SeedControl>>();
  const unmapped = dict<unknown>();
  const control = (id: string, input: string, mode: SeedControl) => {
    seedControls[id] ??= dict();
    seedControls[id][input] = mode;
  };

  for (const node of nodeList) {
    const id = String(node.id);
    const at = { classType: node.type, nodeId: id };
    const helper = helperKind(node, types);
    if (helper === 'note') {
      const text = Array.isArray(node.widgets_values) ? node.widgets_values[0] : undefined;
      notes.push({
        id: `note-${id}`,
        text: typeof text === 'string' ? text : '',
        pos: node.pos,
        ...(node.size ? { size: node.size } : {}),
        ...((node.bgcolor ?? node.color) ? { color: (node.bgcolor ?? node.color)! } : {}),
      });
      continue;
    }
    if (helper === 'reroute' || helper === 'primitive') {
      problems.push({
        ...at,
        code: helper === 'reroute' ? 'reroute_folded' : 'primitive_inlined',
        message:
          helper === 'reroute'
            ? `Reroute #${id} was folded into the links through it`
            : `PrimitiveNode #${id}: its value ${JSON.stringify(Array.isArray(node.widgets_values) ? node.widgets_values[0] : null)} was written into the inputs it fed`,
      });
      continue;
    }
    const mode = COMFY_NODE_MODES[node.mode];
    if (!mode) {
      problems.push({
        ...at,
        code: 'mode_not_supported',
        message: `node #${id}: mode ${node.mode} (on event / on trigger) is imported as 'always'`,
      });
    }
    const inputs = dict<unknown>();
    const type = types(node.type);
    if (!type) {
      problems.push(flat.refused.get(id) ?? groupNodes.refused.get(id) ?? unknownTypeProblem(node, id));
      if (node.widgets_values !== undefined) unmapped[id] = { widgets_values: node.widgets_values };
    } else {
      const mapping = mapWidgetValues(type.widgets, node.widgets_values ?? []);
      for (const [input, value] of Object.entries(mapping.values)) inputs[input] = value;
      // A widget its subgraph instance promotes: the instance's value wins over the stored one.
      for (const [input, value] of Object.entries(flat.values.get(id) ?? {})) inputs[input] = value;
      for (const [input, mode] of Object.entries(mapping.controls)) control(id, input, mode);
      if (mapping.leftover.length > 0) {
        unmapped[id] = { widgets_values: node.widgets_values };
        problems.push({
          ...at,
          code: 'widget_values_left_over',
          values: mapping.leftover,
          message: `${node.type} #${id}: ${mapping.leftover.length} widget value(s) fit no input (${JSON.stringify(mapping.leftover).slice(0, 120)}); kept in extra.${COMFYUI_EXTRA_KEY}`,
        });
      }
      if (mapping.missing.length > 0)
        problems.push({
          ...at,
          code: 'widget_values_missing',
          message: `${node.type} #${id}: no stored value for ${mapping.missing.map((n) => `'${n}'`).join(', ')}; defaults apply`,
        });
      for (const m of mapping.mismatched)
        problems.push({
          ...at,
          code: 'widget_value_mismatch',
          values: [m.value],
          message: `${node.type} #${id} input '${m.input}': ${JSON.stringify(m.value)} is not a ${m.expected} value`,
        });
    }
    nodes[id] = {
      class_type: node.type,
      inputs,
      pos: node.pos,
      mode: mode ?? 'always',
      ...(node.title !== undefined ? { title: node.title } : {}),
      ...(node.size ? { size: node.size } : {}),
      ...(node.flags?.collapsed ? { collapsed: true } : {}),
      ...((node.bgcolor ?? node.color) ? { color: (node.bgcolor ?? node.color)! } : {}),
    };
  }

  for (const link of linkList) {
    const target = nodes[String(link.target)];
    if (!target) continue; // into a helper node (resolved from the other end) or a skipped entry
    const slot = ctx.nodes.get(String(link.target))?.inputs[link.targetSlot];
    const at = { nodeId: String(link.target), classType: target.class_type };
    if (!slot) {
      problems.push({
        ...at,
        code: 'link_dropped',
        message: `link ${link.id} ends at input slot ${link.targetSlot} of node #${at.nodeId}, which has no such slot`,
      });
      continue;
    }
    const name = slot.widget?.name ?? slot.name;
    const source = sourceOf(ctx, link);
    if (source.kind === 'link' && !nodes[source.link[0]]) {
      problems.push({
        ...at,
        code: 'link_dropped',
        message: `${target.class_type} #${at.nodeId} input '${name}': link ${link.id} was dropped, its source #${source.link[0]} was not imported`,
      });
    } else if (source.kind === 'link') {
      target.inputs[name] = source.link;
    } else if (source.kind === 'value') {
      target.inputs[name] = source.value;
      if (source.control) control(at.nodeId, name, source.control);
    } else {
      problems.push({
        ...at,
        code: 'link_dropped',
        message: `${target.class_type} #${at.nodeId} input '${name}': link ${link.id} was dropped, ${source.why}`,
      });
    }
  }

  const fileGroups = parseEntries(doc.groups, (v) => zComfyGroup.safeParse(v).data, 'group entry', problems);
  const groups: WorkflowGroup[] = fileGroups.map((g, i) => ({
    id: `group-${g.id ?? i + 1}`,
    title: g.title,
    bounding: g.bounding,
    ...(g.color ? { color: g.color } : {}),
  }));
  const lastGroup = fileGroups.reduce((max, g, i) => Math.max(max, g.id ?? i + 1), 0);
  for (const [i, g] of flat.groups.entries()) groups.push({ id: `group-${lastGroup + i + 1}`, ...g });
  const extra = doc.extra ?? dict<unknown>();
  const reroutes = parseEntries(
    doc.reroutes ?? (Array.isArray(extra.reroutes) ? extra.reroutes : []),
    (v) => zComfyReroute.safeParse(v).data,
    'reroute entry',
    problems,
  );
  if (reroutes.length > 0) {
    problems.push({
      code: 'reroutes_kept',
      nodeId: null,
      classType: null,
      message: `${reroutes.length} reroute point(s): momaflow draws links straight; the points are kept in extra.${COMFYUI_EXTRA_KEY}.reroutes`,
    });
  }
  const comfy = dict<unknown>();
  comfy.version = doc.version;
  for (const key of ['ds', 'linkExtensions', 'groupNodes'])
    if (Object.hasOwn(extra, key)) comfy[key] = extra[key];
  if (reroutes.length > 0) comfy.reroutes = reroutes;
  if (Object.keys(unmapped).length > 0) comfy.unmapped = unmapped;
  const workflowExtra = dict<unknown>();
  workflowExtra[COMFYUI_EXTRA_KEY] = comfy;
  if (Object.keys(seedControls).length > 0) workflowExtra[SEED_CONTROL_KEY] = seedControls;
  return {
    workflow: {
      format: WORKFLOW_FORMAT,
      version: WORKFLOW_VERSION,
      nodes,
      groups,
      notes,
      extra: workflowExtra,
    },
    problems,
  };
}
