/**
 * Compile-time proof that the editor's browser-safe copies of shared types equal the originals in
 * the engine and the server (the editor cannot bundle their runtime code). `tsc` over `test/`
 * checks this file; a drift breaks the build.
 */
import type {
  NodeMode as EngineNodeMode,
  Workflow as EngineWorkflow,
  WorkflowV1 as EngineWorkflowV1,
} from '@momaflow/engine';
import type { WireMessage as ServerWireMessage } from '@momaflow/server';
import type { WireMessage } from '../../editor/src/features/execution/lib/wire-schema';
import type { NodeMode, Workflow, WorkflowV1 } from '../../editor/src/features/workflow/lib/workflow-schema';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Accepts only `true`. */
declare function assert<T extends true>(): T;

assert<Equals<Workflow, EngineWorkflow>>();
assert<Equals<WorkflowV1, EngineWorkflowV1>>();
assert<Equals<NodeMode, EngineNodeMode>>();
type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
/** Every message the server sends is one the editor's schema describes (the server's are readonly). */
export const serverMessagesParse: (message: ServerWireMessage) => DeepReadonly<WireMessage> = (message) =>
  message;
