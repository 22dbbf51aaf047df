/**
 * @module
 * The node types an import maps widget values by: the registry's schemas as `object_info` shows
 * them, so files convert against exactly the nodes this server or CLI run has (packs included).
 */
import {
  type ImportNodeTypes,
  importNodeTypes,
  type NodeEnv,
  type NodeRegistry,
  objectInfo,
} from '@momaflow/engine';

/**
 * @example
 * const imported = importWorkflow(data, await registryImportTypes(runtime));
 */
export async function registryImportTypes(deps: {
  readonly registry: NodeRegistry;
  readonly env: NodeEnv;
}): Promise<ImportNodeTypes> {
  return importNodeTypes(await objectInfo(deps.registry, deps.env));
}
