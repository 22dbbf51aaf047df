/**
 * @module
 * The types of `@momaflow/pack-api`, re-exported from the engine (compiled to dist/ by
 * scripts/build-pack-api.ts). The values are the same ones ../index.js hands a pack at run time.
 * @example
 * import { definePack, defineNode, Input, Tensor } from '@momaflow/pack-api';
 * export default definePack({ nodes: [defineNode({ type: 'Invert', category: 'image',
 *   inputs: { image: Input.link('IMAGE') }, outputs: [{ type: 'IMAGE' }],
 *   run: (_ctx, { image }) => [new Tensor('float32', image.shape, image.data.map((v) => 1 - v))] })] });
 */

export { EngineError } from '../../engine/src/errors/engine-error';
export type { Logger } from '../../engine/src/log/logger';
export { createNodeEnv } from '../../engine/src/node-api/create-node-env';
export type {
  BooleanInputSpec,
  ComboInputSpec,
  DynamicOptions,
  FloatInputSpec,
  InputSpec,
  InputSpecs,
  IntInputSpec,
  LinkInputSpec,
  SeedInputSpec,
  StringInputSpec,
} from '../../engine/src/node-api/input-specs';
export { Input } from '../../engine/src/node-api/input-specs';
export type {
  CustomValidationProblem,
  FileRef,
  NodeContext,
  NodeDefinition,
  OutputSpec,
  PreviewImage,
  RunInputs,
  RunResult,
  UiOutput,
} from '../../engine/src/node-api/node-definition';
export { defineNode } from '../../engine/src/node-api/node-definition';
export type { Directories, NodeEnv, ResourceKey } from '../../engine/src/node-api/node-env';
export { defineResource } from '../../engine/src/node-api/node-env';
export type { SocketTypes, SocketValue } from '../../engine/src/node-api/socket-types';
export type { NodePack, PackExample, PackSocketType } from '../../engine/src/node-packs/node-pack';
export { defineNodePack, definePack } from '../../engine/src/node-packs/node-pack';
export type { DataTypeMap, DType } from '../../engine/src/tensor/tensor';
export { Tensor } from '../../engine/src/tensor/tensor';
