/** @module The node definition API: `defineNode`, input builders, the registry and schema export. */

export type { NodeEnvOptions } from './create-node-env';
export { createNodeEnv } from './create-node-env';
export type {
  BooleanInputSpec,
  ComboInputSpec,
  DynamicOptions,
  FloatInputSpec,
  InputKind,
  InputSpec,
  InputSpecs,
  IntInputSpec,
  LinkInputSpec,
  SeedInputSpec,
  StringInputSpec,
  WidgetSpec,
} from './input-specs';
export { Input, inputSocketType, MAX_SEED } from './input-specs';
export type {
  AnyNodeDefinition,
  CustomValidationProblem,
  FileRef,
  InputValue,
  LiteralValues,
  NodeContext,
  NodeDefinition,
  OutputSpec,
  OutputValues,
  PreviewImage,
  ProgressPhase,
  ProgressStatus,
  PromptSource,
  RunInputs,
  RunResult,
  UiOutput,
} from './node-definition';
export { defineNode } from './node-definition';
export type { ComputeSettings, Directories, NodeEnv, ResourceKey } from './node-env';
export { defineResource } from './node-env';
export type { NodeRegistry, RegisteredNode, RegisterOptions } from './node-registry';
export { createNodeRegistry } from './node-registry';
export type { InputSchema, NodeSchema } from './object-info';
export { comboOptions, nodeSchema, objectInfo } from './object-info';
export type { SocketTypes, SocketValue } from './socket-types';
export { ANY_TYPE, isSocketCompatible } from './socket-types';
