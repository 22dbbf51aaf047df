/**
 * @module
 * Provenance of a node in a saved workflow: the node pack (id and version) its type came from, so a
 * workflow opened where that pack is missing names what to install instead of "unknown node type".
 */
import { z } from 'zod';

/** The pack id of the node types built into momaflow. */
export const CORE_PACK_ID = 'core';

export const zPackRef = z.object({
  id: z.string().min(1).max(214),
  version: z.string().min(1).max(256),
});
export type PackRef = z.infer<typeof zPackRef>;

/** Reads a pack reference from untrusted data (a prompt's `_meta.pack`); undefined when absent or malformed. */
export function packRefOf(value: unknown): PackRef | undefined {
  const parsed = zPackRef.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * What to tell a user about a node whose type is not registered: the pack to install when the workflow
 * recorded one, otherwise that the type is unknown.
 * @example
 * missingNodeTypeMessage('3', 'InvertImage', { id: 'invert-pack', version: '1.0.0' });
 * // "node #3: node type 'InvertImage' comes from node pack 'invert-pack' 1.0.0, which is not installed ..."
 */
export function missingNodeTypeMessage(nodeId: string, classType: string, pack: PackRef | undefined): string {
  if (!pack || pack.id === CORE_PACK_ID) {
    return `node #${nodeId}: unknown node type '${classType}' (is its node pack installed?)`;
  }
  return `node #${nodeId}: node type '${classType}' comes from node pack '${pack.id}' ${pack.version}, which is not installed or is disabled: install it with 'momaflow nodes add ${pack.id}' (or enable it with 'momaflow nodes enable ${pack.id}')`;
}

/**
 * A copy of a saved workflow (version 2, as JSON) in which every node whose type `packOf` knows, and
 * which has no `pack` yet, records it. Anything else in the document is kept as it was; other
 * documents are returned unchanged.
 * @example
 * const saved = recordProvenance(body, (type) => registry.entry(type) && { id: ..., version: ... });
 */
export function recordProvenance(
  workflow: unknown,
  packOf: (classType: string) => PackRef | undefined,
): unknown {
  if (typeof workflow !== 'object' || workflow === null || Reflect.get(workflow, 'version') !== 2)
    return workflow;
  const nodes: unknown = Reflect.get(workflow, 'nodes');
  if (typeof nodes !== 'object' || nodes === null) return workflow;
  const stamped = Object.entries(nodes).map(([id, node]): [string, unknown] => {
    if (typeof node !== 'object' || node === null || Object.hasOwn(node, 'pack')) return [id, node];
    const classType: unknown = Reflect.get(node, 'class_type');
    const pack = typeof classType === 'string' ? packOf(classType) : undefined;
    return [id, pack ? { ...node, pack } : node];
  });
  // Keys come from the document: build the map without a prototype so '__proto__' stays a node id.
  const stampedNodes: Record<string, unknown> = Object.create(null);
  for (const [id, node] of stamped) stampedNodes[id] = node;
  return { ...workflow, nodes: stampedNodes };
}
