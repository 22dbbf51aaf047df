/**
 * @module
 * MoMAAdapterLoader: MoMA's adapter file (`attn_adapters_projectors.th` as released, or any torch /
 * safetensors file with its keys) from `models/moma`, as a MOMA_ADAPTER. Only the structure is read
 * here; the MLLM adapter and the UNet patch read the sections they use. The file's identity (path,
 * size, mtime) is in the cache signature, so replacing the file re-runs the node.
 */
import { join } from 'node:path';
import { defineNode, errorMessage, Input, TORCH_EXTENSIONS } from '@momaflow/engine';
import type { AttentionAdapter } from '../attention';
import { checkpointIdentity } from '../diffusion';
import { listFolder } from '../files/list-folder';
import { resolveExistingInside } from '../image';
import { readMomaAdapter } from '../models/moma-adapter';

const LABEL = "MoMAAdapterLoader input 'adapter_name'";

/** Where MoMA's file keeps the UNet attention adapters. */
export const MOMA_ATTENTION_SECTION = 'self_cross_attentions';
const ADAPTER_EXTENSIONS: readonly string[] = [...TORCH_EXTENSIONS, '.safetensors'];

const adaptersDir = (models: string) => join(models, 'moma');

/**
 * Adapter files anywhere under `root` (usually `<models>/moma`), as sorted relative POSIX paths.
 * @example
 * await listMomaAdapters(join(env.dirs.models, 'moma')); // ['attn_adapters_projectors.th']
 */
export function listMomaAdapters(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) =>
      (entry.isFile() || entry.isSymbolicLink()) &&
      ADAPTER_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext)),
  });
}

/** Loads MoMA's attention adapters and projectors. */
export const MoMAAdapterLoader = defineNode({
  type: 'MoMAAdapterLoader',
  displayName: 'Load MoMA Adapter',
  category: 'loaders/moma',
  description:
    "Loads MoMA's adapter file (attn_adapters_projectors.th: image projector, LLM mapping and the UNet attention adapters) from models/moma.",
  inputs: {
    adapter_name: Input.combo({
      options: ({ env }) => listMomaAdapters(adaptersDir(env.dirs.models)),
      tooltip: 'The adapter file, relative to models/moma.',
    }),
  },
  outputs: [
    { type: 'MOMA_ADAPTER', name: 'MOMA_ADAPTER', tooltip: "MoMA's adapter weights." },
    {
      type: 'ATTENTION_ADAPTER',
      name: 'ATTENTION_ADAPTER',
      tooltip:
        'The UNet attention adapters alone (to_k_ip / to_v_ip per layer), for the generic injection nodes.',
    },
  ],
  fingerprint: async ({ values, env }) => {
    if (values.adapter_name === undefined) return '';
    return checkpointIdentity(
      await resolveExistingInside(adaptersDir(env.dirs.models), values.adapter_name, LABEL),
    );
  },
  validate: async ({ values, env }) => {
    if (values.adapter_name === undefined) return [];
    try {
      await resolveExistingInside(adaptersDir(env.dirs.models), values.adapter_name, LABEL);
      return [];
    } catch (err) {
      return [{ input: 'adapter_name', message: errorMessage(err) }];
    }
  },
  run: async (ctx, { adapter_name }) => {
    const path = await resolveExistingInside(adaptersDir(ctx.env.dirs.models), adapter_name, LABEL);
    const adapter = await readMomaAdapter(path, await checkpointIdentity(path));
    const attention: AttentionAdapter = {
      kind: 'attention-adapter',
      key: adapter.key,
      path,
      section: MOMA_ATTENTION_SECTION,
    };
    return [adapter, attention];
  },
});
