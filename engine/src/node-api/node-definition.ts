/**
 * @module
 * `defineNode`: one object per node type. The input and output specs drive the types of `run`'s
 * arguments and result, the validator, the cache signature and the exported schema.
 */
import { EngineError } from '../errors';
import type { Logger } from '../log';
import type { InputSpec, InputSpecs } from './input-specs';
import type { NodeEnv } from './node-env';
import type { SocketValue } from './socket-types';

export interface OutputSpec<T extends string = string> {
  readonly type: T;
  readonly name?: string;
  readonly tooltip?: string;
}

type BaseValue<S> = S extends { kind: 'link'; type: infer T extends string }
  ? SocketValue<T>
  : S extends { kind: 'INT' | 'FLOAT' | 'SEED' }
    ? number
    : S extends { kind: 'STRING' }
      ? string
      : S extends { kind: 'BOOLEAN' }
        ? boolean
        : S extends { kind: 'COMBO'; options: readonly (infer O extends string)[] }
          ? O
          : S extends { kind: 'COMBO' }
            ? string
            : never;
/** Optional links may be absent; optional widgets fall back to their default. */
type PresentValue<S> = S extends { kind: 'link'; optional: true } ? BaseValue<S> | undefined : BaseValue<S>;
/** The value `run` receives for one input: the value, or a thunk for lazy inputs. */
export type InputValue<S> = S extends { lazy: true } ? () => Promise<PresentValue<S>> : PresentValue<S>;
export type RunInputs<I extends InputSpecs> = { readonly [K in keyof I]: InputValue<I[K]> };
/** Widget values given as literals (linked widgets are absent): what `fingerprint` and `validate` see. */
export type LiteralValues<I extends InputSpecs> = { readonly [K in keyof I]?: BaseValue<I[K]> };

export type OutputValues<O extends readonly OutputSpec[]> = {
  -readonly [K in keyof O]: SocketValue<O[K]['type']>;
};

/** A reference to a file an output node wrote, in ComfyUI's shape. */
export interface FileRef {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: 'output' | 'temp' | 'input';
}
/** What an output node shows in the UI (ComfyUI's `ui` dict). */
export interface UiOutput {
  readonly images?: readonly FileRef[];
  readonly text?: readonly string[];
  readonly [key: string]: readonly unknown[] | undefined;
}
export type RunResult<O extends readonly OutputSpec[]> =
  | OutputValues<O>
  | { outputs: OutputValues<O>; ui?: UiOutput };

/** An encoded preview image sent with progress (e.g. a sampler's current latent). */
export interface PreviewImage {
  readonly format: 'JPEG' | 'PNG' | 'WEBP';
  readonly bytes: Uint8Array;
  /**
   * The image is the node's result, not a glimpse of work in progress (SaveImageWebsocket): a client
   * that is behind still gets it, where plain previews are dropped.
   */
  readonly essential?: boolean;
}

/** What was submitted, for output nodes that embed it (SaveImage writes both into the PNG, as ComfyUI). */
export interface PromptSource {
  /** The executable graph as submitted. */
  readonly prompt?: unknown;
  /** The saved workflow (editor layout included) when the client sent one. */
  readonly workflow?: unknown;
}

/**
 * What a node is doing while it reports progress: reading weights (`load`), building a graph
 * (`build`), creating an onnxruntime session (`session`) or computing (`compute`). Benchmarks split a
 * node's time by it; the CLI and the editor show the report's `text`.
 */
export type ProgressPhase = 'load' | 'build' | 'session' | 'compute';

/** What a node is doing, sent with its progress so a long load is never silent. */
export interface ProgressStatus {
  readonly phase: ProgressPhase;
  /** A short line for people, e.g. "creating the UNet session". */
  readonly text: string;
}

export interface NodeContext {
  readonly nodeId: string;
  readonly promptId: string;
  readonly source: PromptSource;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly env: NodeEnv;
  /**
   * Report `value` of `max` done, optionally with a preview image and what the node is doing now
   * (`status`, last so that existing callers and fakes keep their three-argument form).
   */
  progress(value: number, max: number, preview?: PreviewImage, status?: ProgressStatus): void;
}

/** A problem found by a node's own `validate` hook, attached to an input when it names one. */
export interface CustomValidationProblem {
  readonly message: string;
  readonly input?: string;
}

export interface NodeDefinition<
  I extends InputSpecs = InputSpecs,
  O extends readonly OutputSpec[] = readonly OutputSpec[],
> {
  readonly type: string;
  readonly category: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly inputs: I;
  readonly outputs: O;
  /** An output node: executing a prompt means executing its output nodes and their ancestors. */
  readonly output?: boolean;
  /** Safe to run at the same time as other nodes (no shared mutable state, no exclusive device use). */
  readonly concurrent?: boolean;
  /** Never cached: runs every time (e.g. reads a changing source without a fingerprint). */
  readonly notIdempotent?: boolean;
  readonly deprecated?: boolean;
  /** Part of the cache signature: change it to invalidate (e.g. the hash of a file the node reads). */
  fingerprint?(args: { values: LiteralValues<I>; env: NodeEnv }): string | Promise<string>;
  validate?(args: {
    values: LiteralValues<I>;
    env: NodeEnv;
  }): readonly CustomValidationProblem[] | Promise<readonly CustomValidationProblem[]>;
  run(ctx: NodeContext, inputs: RunInputs<I>): RunResult<O> | Promise<RunResult<O>>;
}

/** A definition with its input and output types erased, as the registry and executor hold it. */
// biome-ignore lint/suspicious/noExplicitAny: erasure point; `run` is typed at definition sites.
export type AnyNodeDefinition = NodeDefinition<any, readonly OutputSpec[]>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function checkWidget(type: string, name: string, spec: InputSpec): void {
  const fail = (why: string) => {
    throw new EngineError('invalid_node_definition', `node '${type}' input '${name}': ${why}`);
  };
  if (spec.kind === 'INT' || spec.kind === 'FLOAT' || spec.kind === 'SEED') {
    if (!Number.isFinite(spec.default)) fail('default must be a finite number');
  }
  if (spec.kind === 'INT' || spec.kind === 'FLOAT') {
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) fail('min > max');
    if (spec.min !== undefined && spec.default < spec.min) fail(`default ${spec.default} < min ${spec.min}`);
    if (spec.max !== undefined && spec.default > spec.max) fail(`default ${spec.default} > max ${spec.max}`);
  }
  if (spec.kind === 'COMBO' && Array.isArray(spec.options)) {
    const options: readonly string[] = spec.options;
    if (options.length === 0) fail('a static COMBO needs at least one option');
    if (spec.default !== undefined && !options.includes(spec.default))
      fail(`default '${spec.default}' is not an option`);
  }
}

/**
 * Declares a node type. Checks the definition itself (names, defaults within ranges) at load time so a
 * broken node pack fails when it is registered, not when a user runs it.
 * @example
 * export const InvertMask = defineNode({
 *   type: 'InvertMask', category: 'mask',
 *   inputs: { mask: Input.link('MASK') },
 *   outputs: [{ type: 'MASK' }],
 *   run: (_ctx, { mask }) => [invert(mask)],
 * });
 */
export function defineNode<const I extends InputSpecs, const O extends readonly OutputSpec[]>(
  definition: NodeDefinition<I, O>,
): NodeDefinition<I, O> {
  const { type } = definition;
  if (!NAME.test(type))
    throw new EngineError('invalid_node_definition', `node type name '${type}' is not valid`);
  for (const [name, spec] of Object.entries(definition.inputs)) {
    if (!NAME.test(name))
      throw new EngineError('invalid_node_definition', `node '${type}': bad input name '${name}'`);
    checkWidget(type, name, spec);
  }
  return Object.freeze(definition);
}
