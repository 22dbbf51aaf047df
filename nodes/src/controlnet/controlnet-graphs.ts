/**
 * @module
 * The two graphs of a loaded ControlNet as session sources: built on first use from its weights
 * (each reads only its own tensors), written once under `<temp>/model-graphs/` and remembered by the
 * handle's content key, like the text encoder and VAE graphs (diffusion/model-graphs.ts).
 */
import type { NodeEnv, OnnxModelSource } from '@momaflow/engine';
import { writtenModelGraph } from '../diffusion/model-graphs';
import {
  buildControlNetGraph,
  buildHintEmbeddingGraph,
  type ControlNetPart,
  readControlNetWeights,
} from '../models/controlnet';
import type { ControlNetHandle } from './control-types';

/**
 * The hint-embedding (`'hint'`) or ControlNet (`'net'`) graph of `handle`.
 * @example
 * const lease = await env.resource(DIFFUSION_SESSIONS).acquire(await controlNetGraph(env, handle, 'net'));
 */
export function controlNetGraph(
  env: NodeEnv,
  handle: ControlNetHandle,
  part: ControlNetPart,
): Promise<OnnxModelSource> {
  const { model } = handle;
  return writtenModelGraph(env, `controlnet-${part}:${handle.key}`, async () => {
    const weights = await readControlNetWeights(model, part);
    return part === 'hint'
      ? buildHintEmbeddingGraph(weights, model.config)
      : buildControlNetGraph({ weights, config: model.config, layout: model.layout });
  });
}
