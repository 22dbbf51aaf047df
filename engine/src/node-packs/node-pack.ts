/**
 * @module
 * Custom node packs: a folder (or installed npm package) whose default export is
 * `{ name, version, nodes }`, made with `defineNodePack`. Loading one never needs engine changes.
 */
import { z } from 'zod';
import { zDict } from '../dictionary/z-dict';
import type { AnyNodeDefinition } from '../node-api/node-definition';

export interface NodePack {
  /** Shown in `object_info` as the node's `python_module`, and named in errors. */
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly nodes: readonly AnyNodeDefinition[];
}

const zNodeDefinitionShape = z.looseObject({
  type: z.string().min(1),
  category: z.string(),
  inputs: zDict(z.unknown()),
  outputs: z.array(z.unknown()),
  run: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'run must be a function'),
});

/** The shape a pack's default export must have (definitions themselves are checked by `defineNode`). */
export const zNodePack = z.object({
  name: z
    .string()
    .regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/, 'a package-style name such as my-pack or @me/my-pack'),
  version: z.string().min(1),
  description: z.string().optional(),
  nodes: z.array(zNodeDefinitionShape).min(1, 'a pack provides at least one node'),
});

/**
 * @example
 * export default defineNodePack({ name: 'my-pack', version: '1.0.0', nodes: [InvertColors] });
 */
export function defineNodePack(pack: NodePack): NodePack {
  return Object.freeze(pack);
}
