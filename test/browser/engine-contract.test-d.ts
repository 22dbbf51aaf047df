/**
 * Compile-time proof that the editor's zod schemas for what the server sends describe the server's
 * own types. The workflow format, socket rules and frame decoder are no longer copied (the editor
 * imports them from `@momaflow/engine/protocol` and `@momaflow/server/protocol`); what remains here
 * are the schemas the editor parses responses with, since the server declares those shapes as types
 * only. `tsc` over `test/` checks this file; a drift breaks the build.
 */
import type {
  FileRef as EngineFileRef,
  ValidationIssue as EngineValidationIssue,
} from '@momaflow/engine/protocol';
import type { WireMessage as ServerWireMessage } from '@momaflow/server/protocol';
import type { ValidationIssue } from '../../editor/src/features/api/lib/api-schemas';
import type { FileRef, WireMessage } from '../../editor/src/features/execution/lib/wire-schema';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Accepts only `true`. */
declare function assert<T extends true>(): T;
type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A file reference parses to exactly the engine's (the server's are readonly). */
assert<Equals<DeepReadonly<FileRef>, EngineFileRef>>();
/** Every message the server sends is one the editor's schema describes. */
export const serverMessagesParse: (message: ServerWireMessage) => DeepReadonly<WireMessage> = (message) =>
  message;
/** Every validation issue the server returns in `error.details.issues` fits the editor's schema. */
export const serverIssuesParse: (issue: EngineValidationIssue) => DeepReadonly<ValidationIssue> = (issue) =>
  issue;
