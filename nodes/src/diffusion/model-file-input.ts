/**
 * @module
 * The file widget every loader node has: a combo of the files in one `models/<folder>`, the file's
 * identity (path, size, mtime) in the node's cache signature so replacing it re-runs the node, names
 * that escape the folder refused at validation, and the resolved path for `run`. One definition, so
 * every loader confines and fingerprints its files the same way.
 */
import { join } from 'node:path';
import { type DynamicOptions, EngineError, errorMessage, Input, type NodeEnv } from '@momaflow/engine';
import { resolveExistingInside } from '../image/confined-path';
import { checkpointIdentity } from './checkpoint-identity';

/** What `modelFileInput` is told. */
export interface ModelFileInputOptions {
  /** The node type and input name, for messages (`"LoraLoader input 'lora_name'"`). */
  readonly nodeType: string;
  readonly input: string;
  /** The folder under `models/` (`'loras'`). */
  readonly folder: string;
  /** The entries offered, relative to the folder. */
  readonly list: (root: string) => Promise<string[]>;
  readonly tooltip: string;
}

/** The parts of a loader node that deal with its file. */
export interface ModelFileInput {
  /** `"<node type> input '<input>'"`, the prefix of every message about this input. */
  readonly label: string;
  /** The combo widget. */
  readonly combo: {
    readonly kind: 'COMBO';
    readonly options: DynamicOptions;
    readonly modelFolder: string;
    readonly tooltip: string;
  };
  /** The absolute path of `name`, which must exist inside the folder. */
  resolve(env: NodeEnv, name: string): Promise<string>;
  /** For `fingerprint`: the file's identity, or `''` while the name is linked (not known yet). */
  fingerprint(env: NodeEnv, name: string | undefined): Promise<string>;
  /** For `validate`: the problem with `name`, attached to the input. */
  validate(env: NodeEnv, name: string | undefined): Promise<{ input: string; message: string }[]>;
  /** The node's `fingerprint` and `validate` hooks for this input, to spread into its definition. */
  readonly hooks: {
    fingerprint(args: {
      readonly values: Readonly<Record<string, unknown>>;
      readonly env: NodeEnv;
    }): Promise<string>;
    validate(args: {
      readonly values: Readonly<Record<string, unknown>>;
      readonly env: NodeEnv;
    }): Promise<{ input: string; message: string }[]>;
  };
}

/**
 * A loader's failure on `name` as an EngineError whose message starts with `label` and names the file;
 * the code of an underlying EngineError is kept, anything else gets `code`.
 * @example
 * catch (cause) { throw loadFailure({ label, name, path, cause, code: 'lora_unreadable' }); }
 */
export function loadFailure(o: {
  readonly label: string;
  readonly name: string;
  readonly path: string;
  readonly cause: unknown;
  readonly code: string;
}): EngineError {
  const code = o.cause instanceof EngineError ? o.cause.code : o.code;
  return new EngineError(
    code,
    `${o.label}: cannot load '${o.name}': ${errorMessage(o.cause)}`,
    { path: o.path },
    { cause: o.cause },
  );
}

/** The widget's literal value, or `undefined` while it is linked. */
function nameIn(values: Readonly<Record<string, unknown>>, input: string): string | undefined {
  const value = values[input];
  return typeof value === 'string' ? value : undefined;
}

/**
 * @example
 * const lora = modelFileInput({ nodeType: 'LoraLoader', input: 'lora_name', folder: 'loras', list: listLoras, tooltip: '...' });
 * defineNode({ inputs: { lora_name: lora.combo }, ...lora.hooks, run: ... });
 */
export function modelFileInput(o: ModelFileInputOptions): ModelFileInput {
  const label = `${o.nodeType} input '${o.input}'`;
  const dir = (env: NodeEnv) => join(env.dirs.models, o.folder);
  const resolve = (env: NodeEnv, name: string) => resolveExistingInside(dir(env), name, label);
  const fingerprint = async (env: NodeEnv, name: string | undefined) =>
    name === undefined ? '' : checkpointIdentity(await resolve(env, name));
  const validate = async (env: NodeEnv, name: string | undefined) => {
    if (name === undefined) return [];
    try {
      await resolve(env, name);
      return [];
    } catch (err) {
      return [{ input: o.input, message: errorMessage(err) }];
    }
  };
  return {
    label,
    combo: Input.combo({
      options: ({ env }: { env: NodeEnv }) => o.list(dir(env)),
      // The editor lists the file among the models a workflow needs (and marks it when missing).
      modelFolder: o.folder,
      tooltip: o.tooltip,
    }),
    resolve,
    fingerprint,
    validate,
    hooks: {
      fingerprint: ({ values, env }) => fingerprint(env, nameIn(values, o.input)),
      validate: ({ values, env }) => validate(env, nameIn(values, o.input)),
    },
  };
}
