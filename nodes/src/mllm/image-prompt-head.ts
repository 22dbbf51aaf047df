/**
 * @module
 * MoMA's image-prompt head on LLaVA hidden states: the adapter's mapping MLP and ImageProjModel as a
 * small float32 graph, built once per adapter file and written to `<temp>/model-graphs/<hash>/`.
 */
import { join } from 'node:path';
import type { NodeEnv, OnnxModelSource, Tensor } from '@momaflow/engine';
import { EngineError, errorMessage, fromOrtTensor, toOrtTensor, writeModel } from '@momaflow/engine';
import type { ImagePrompt } from '../diffusion';
import {
  buildMomaImagePromptGraph,
  MOMA_IMAGE_PROMPT_IO,
  type MomaAdapter,
  readMomaAdapterSection,
} from '../models/moma-adapter';
import { IMAGE_PROMPT_GRAPHS, MLLM_SESSIONS } from './mllm-resources';

/** The head's outputs: MoMA's `llava_emb` and the image-prompt tokens. */
export interface ImagePromptTokens extends ImagePrompt {
  /** [N, mapping width]. */
  readonly embedding: Tensor<'float32'>;
}

function headGraph(env: NodeEnv, adapter: MomaAdapter): Promise<OnnxModelSource> {
  return env.resource(IMAGE_PROMPT_GRAPHS).get(adapter.key, async () => {
    const model = buildMomaImagePromptGraph(adapter, {
      mapping: await readMomaAdapterSection(adapter, 'llm_mapping'),
      projectors: await readMomaAdapterSection(adapter, 'projectors'),
    });
    const { modelPath } = await writeModel(model, join(env.dirs.temp, 'model-graphs', model.hash), {
      skipIfExists: true,
    });
    return { path: modelPath, hash: model.hash };
  });
}

/**
 * The image-prompt tokens of hidden states [N, hidden] (the last prompt token of each prefill).
 * @example
 * const { cond, uncond } = await imagePromptTokens(env, adapter, lastToken);
 */
export async function imagePromptTokens(
  env: NodeEnv,
  adapter: MomaAdapter,
  hidden: Tensor<'float32'>,
): Promise<ImagePromptTokens> {
  const lease = await env.resource(MLLM_SESSIONS).acquire(await headGraph(env, adapter));
  try {
    const out = await lease.session.run({ [MOMA_IMAGE_PROMPT_IO.hidden]: toOrtTensor(hidden) });
    const take = (name: string) => {
      const t = out[name];
      if (t === undefined)
        throw new EngineError('missing_output', `MoMA's image-prompt head returned no '${name}'`);
      return fromOrtTensor(t, 'float32');
    };
    return {
      embedding: take(MOMA_IMAGE_PROMPT_IO.embedding),
      cond: take(MOMA_IMAGE_PROMPT_IO.cond),
      uncond: take(MOMA_IMAGE_PROMPT_IO.uncond),
    };
  } catch (cause) {
    if (cause instanceof EngineError) throw cause;
    throw new EngineError(
      'mllm_run_failed',
      `MoMA's image-prompt head failed: ${errorMessage(cause)}`,
      {},
      { cause },
    );
  } finally {
    lease.release();
  }
}
