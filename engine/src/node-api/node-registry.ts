/**
 * @module
 * The registry of node types: a value created by `createNodeRegistry()` and passed to the validator and
 * executor (no module-level state). Node packs register their definitions into it.
 */
import { EngineError } from '../errors';
import { type InputSpec, inputSocketType } from './input-specs';
import type { AnyNodeDefinition } from './node-definition';

export interface RegisteredNode {
  readonly definition: AnyNodeDefinition;
  /** Id of the node pack that provided it ("core" for built-ins). */
  readonly pack: string;
  /** The pack's version (undefined for built-ins: the engine's). */
  readonly version?: string;
  /** Whether its nodes run in the pack's sandbox process. */
  readonly sandboxed?: boolean;
}

export interface RegisterOptions {
  readonly pack?: string;
  readonly version?: string;
  readonly sandboxed?: boolean;
}

export interface NodeRegistry {
  register(definitions: AnyNodeDefinition | readonly AnyNodeDefinition[], options?: RegisterOptions): void;
  get(type: string): AnyNodeDefinition | undefined;
  entry(type: string): RegisteredNode | undefined;
  types(): string[];
  /** Every socket type used by a registered input or output, sorted. */
  socketTypes(): string[];
}

export function createNodeRegistry(initial: readonly AnyNodeDefinition[] = []): NodeRegistry {
  const nodes = new Map<string, RegisteredNode>();
  const registry: NodeRegistry = {
    register(definitions, options = {}) {
      const list = Array.isArray(definitions) ? definitions : [definitions as AnyNodeDefinition];
      const pack = options.pack ?? 'core';
      // Check the whole list first, so a pack with one clashing type registers nothing.
      const incoming = new Set<string>();
      for (const definition of list) {
        const existing = nodes.get(definition.type) ?? (incoming.has(definition.type) ? { pack } : undefined);
        incoming.add(definition.type);
        if (existing) {
          throw new EngineError(
            'duplicate_node_type',
            `node type '${definition.type}' from pack '${pack}' is already registered by pack '${existing.pack}'`,
            { type: definition.type, pack, existingPack: existing.pack },
          );
        }
      }
      const { version, sandboxed } = options;
      for (const definition of list) {
        nodes.set(definition.type, {
          definition,
          pack,
          ...(version === undefined ? {} : { version }),
          ...(sandboxed ? { sandboxed } : {}),
        });
      }
    },
    get: (type) => nodes.get(type)?.definition,
    entry: (type) => nodes.get(type),
    types: () => [...nodes.keys()].sort(),
    socketTypes() {
      const types = new Set<string>();
      for (const { definition } of nodes.values()) {
        for (const spec of Object.values<InputSpec>(definition.inputs)) types.add(inputSocketType(spec));
        for (const out of definition.outputs) types.add(out.type);
      }
      return [...types].sort();
    },
  };
  registry.register(initial);
  return registry;
}
