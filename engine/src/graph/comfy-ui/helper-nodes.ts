/**
 * @module
 * The ComfyUI frontend's own helper nodes, which never reach its server: a Reroute passes its input
 * on, a PrimitiveNode holds a value the frontend writes into every input it feeds, and Note and
 * MarkdownNote are text. `sourceOf` follows a link back through them to where its value really
 * comes from, as the frontend does when it queues a prompt.
 */
import type { Link } from '../prompt';
import type { SeedControl } from '../workflow';
import type { ComfyLink, ComfyNode } from './comfy-ui-schema';
import type { ImportNodeTypes } from './import-node-types';
import { controlMode } from './map-widget-values';

const NOTE_TYPES = new Set(['Note', 'MarkdownNote']);

/** Where an input's value comes from once the frontend's helper nodes are resolved. */
export type Source =
  | { readonly kind: 'link'; readonly link: Link }
  | { readonly kind: 'value'; readonly value: unknown; readonly control: SeedControl | undefined }
  | { readonly kind: 'none'; readonly why: string };

export interface HelperGraph {
  readonly nodes: ReadonlyMap<string, ComfyNode>;
  readonly links: ReadonlyMap<number, ComfyLink>;
  readonly types: ImportNodeTypes;
}

/** A frontend-only helper node (unless a registered type has that name). */
export function helperKind(
  node: ComfyNode,
  types: ImportNodeTypes,
): 'reroute' | 'primitive' | 'note' | undefined {
  if (types(node.type)) return undefined;
  if (node.type === 'Reroute') return 'reroute';
  if (node.type === 'PrimitiveNode') return 'primitive';
  return NOTE_TYPES.has(node.type) ? 'note' : undefined;
}

export function sourceOf(ctx: HelperGraph, link: ComfyLink, seen = new Set<string>()): Source {
  const id = String(link.origin);
  const node = ctx.nodes.get(id);
  if (!node) return { kind: 'none', why: `its source node #${id} is not in the workflow` };
  if (seen.has(id)) return { kind: 'none', why: 'it runs through a loop of Reroute nodes' };
  seen.add(id);
  switch (helperKind(node, ctx.types)) {
    case 'reroute': {
      const upstream = node.inputs[0]?.link;
      const next = upstream === undefined || upstream === null ? undefined : ctx.links.get(upstream);
      return next ? sourceOf(ctx, next, seen) : { kind: 'none', why: `Reroute #${id} has no input` };
    }
    case 'primitive': {
      // [value, control after generate]: ComfyUI writes the value into every input it feeds.
      const values = Array.isArray(node.widgets_values) ? node.widgets_values : [];
      return { kind: 'value', value: values[0], control: controlMode(values[1]) };
    }
    case 'note':
      return { kind: 'none', why: `its source #${id} is a note` };
    default:
      return { kind: 'link', link: [id, link.originSlot] };
  }
}
