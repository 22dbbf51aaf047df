/**
 * @module
 * The ATTENTION_ADAPTER socket: a file of decoupled-attention weights (`{i}.to_k_ip.weight`, ... under
 * a section prefix: MoMA's `self_cross_attentions`, IP-Adapter's `ip_adapter`) that the generic
 * injection nodes apply. The value names the file; its weights are read on use and kept by content key
 * in `ADAPTER_WEIGHTS`, so re-running a node with a new prompt does not read the file again.
 */
import { defineResource, type NodeEnv, readWeightSection } from '@momaflow/engine';
import { LruMemo } from '../diffusion/lru-memo';
import { type DecoupledWeights, decoupledWeights } from './decoupled-weights';

/** A decoupled-attention weight file (or a section of one). */
export interface AttentionAdapter {
  readonly kind: 'attention-adapter';
  /** Content key of the file (path, size, mtime): a changed file gets a new key. */
  readonly key: string;
  readonly path: string;
  /** Key prefix of the processors' weights in the file. */
  readonly section: string;
}

declare module '@momaflow/engine' {
  interface SocketTypes {
    ATTENTION_ADAPTER: AttentionAdapter;
  }
}

/**
 * Adapter weights by `<key>:<section>`. Two entries: SD1.5's MoMA weights are about 170 MB in float32.
 * @example
 * const weights = await env.resource(ADAPTER_WEIGHTS).get(key, load);
 */
export const ADAPTER_WEIGHTS = defineResource(
  'attention.adapter-weights',
  () => new LruMemo<DecoupledWeights>(2),
);

/**
 * The adapter's weights by processor index, read once per content key.
 * @example
 * const weights = await loadAttentionAdapter(ctx.env, adapter);
 */
export function loadAttentionAdapter(env: NodeEnv, adapter: AttentionAdapter): Promise<DecoupledWeights> {
  return env
    .resource(ADAPTER_WEIGHTS)
    .get(`${adapter.key}:${adapter.section}`, async () =>
      decoupledWeights(await readWeightSection(adapter.path, adapter.section), adapter.path),
    );
}
