/**
 * @module
 * The file widget every loader node has: a combo of the files in one `models/<folder>`, the file's
 * identity (path, size, mtime) in the node's cache signature so replacing it re-runs the node, names
 * that escape the folder refused at validation, and the resolved path for `run`. One definition, so
 * every loader confines and fingerprints its files the same way.
 */
import { join } from 'node:path';
import { type DynamicOptions, errorMessage, Input, type NodeEnv } from '@momaflow/engine';
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
  readonly combo: { readonly kind: 'COMBO'; readonly options: DynamicOptions; readonly tooltip: string };
  /** The absolute path of `name`, which must exist inside the folder. */
  resolve(env: NodeEnv, name: string): Promise<string>;
  /** For `fingerprint`: the file's identity, or `''` while the name is linked (not known yet). */
  fingerprint(env: NodeEnv, name: string | undefined): Promise<string>;
  /** For `validate`: the problem with `name`, attached to the input. */
  validate(env: NodeEnv, name: string | undefined): Promise<{ input: string; message: string }[]>;
}

/**
 * @example
 * const lora = modelFileInput({ nodeType: 'LoraLoader', input: 'lora_name', folder: 'loras', list: listLoras, tooltip: '...' });
 * defineNode({ inputs: { lora_name: lora.combo }, fingerprint: ({ values, env }) => lora.fingerprint(env, values.lora_name), ... });
 */
export function modelFileInput(o: ModelFileInputOptions): ModelFileInput {
  const label = `${o.nodeType} input '${o.input}'`;
  const dir = (env: NodeEnv) => join(env.dirs.models, o.folder);
  const resolve = (env: NodeEnv, name: string) => resolveExistingInside(dir(env), name, label);
  return {
    label,
    combo: Input.combo({ options: ({ env }: { env: NodeEnv }) => o.list(dir(env)), tooltip: o.tooltip }),
    resolve,
    fingerprint: async (env, name) =>
      name === undefined ? '' : checkpointIdentity(await resolve(env, name)),
    validate: async (env, name) => {
      if (name === undefined) return [];
      try {
        await resolve(env, name);
        return [];
      } catch (err) {
        return [{ input: o.input, message: errorMessage(err) }];
      }
    },
  };
}
