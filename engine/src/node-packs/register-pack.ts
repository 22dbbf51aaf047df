/**
 * @module
 * Registers a loaded pack's nodes. A node type that a built-in or an earlier pack already has is
 * registered as `<pack id>/<type>` and reported, never silently replaced and never dropped.
 */
import type { PackRef } from '../graph/pack-ref';
import type { AnyNodeDefinition } from '../node-api/node-definition';
import type { NodeRegistry } from '../node-api/node-registry';
import { ENGINE_VERSION } from './engine-version';
import type { RenamedNode } from './pack-report';

export interface PackToRegister {
  readonly id: string;
  readonly version: string;
  readonly sandboxed: boolean;
  readonly nodes: readonly AnyNodeDefinition[];
}

/** The type a clashing node of pack `packId` is registered under. */
export function namespacedType(packId: string, type: string): string {
  return `${packId}/${type}`;
}

/**
 * @example
 * const { nodes, renamed } = registerPack(registry, { id: 'my-pack', version: '1.0.0', sandboxed: false, nodes });
 * // renamed: [{ from: 'KSampler', to: 'my-pack/KSampler' }] when the pack redefines a built-in
 */
export function registerPack(
  registry: NodeRegistry,
  pack: PackToRegister,
): { nodes: string[]; renamed: RenamedNode[] } {
  const renamed: RenamedNode[] = [];
  const seen = new Set<string>();
  const definitions = pack.nodes.map((definition) => {
    const taken = registry.get(definition.type) !== undefined || seen.has(definition.type);
    seen.add(definition.type);
    if (!taken) return definition;
    const to = namespacedType(pack.id, definition.type);
    renamed.push({ from: definition.type, to });
    return Object.freeze({ ...definition, type: to });
  });
  // Throws (registering nothing) if even the namespaced name is taken.
  registry.register(definitions, { pack: pack.id, version: pack.version, sandboxed: pack.sandboxed });
  return { nodes: definitions.map((d) => d.type), renamed };
}

/**
 * The provenance `recordProvenance` records for a registered node type: its pack id and version
 * (built-ins: `core` at the engine's version).
 * @example
 * recordProvenance(workflow, packOfRegistered(registry));
 */
export function packOfRegistered(registry: NodeRegistry): (classType: string) => PackRef | undefined {
  return (classType) => {
    const entry = registry.entry(classType);
    return entry ? { id: entry.pack, version: entry.version ?? ENGINE_VERSION } : undefined;
  };
}
