/**
 * @module
 * A LLaVA language model with seeded random weights in LLaVA's own layout, for graph-level tests:
 * its config and the `load` that `buildLlavaLanguageStage` reads weights through.
 */
import type { Tensor } from '@momaflow/engine';
import { WeightMap } from '../ldm-config';
import type { LlamaConfig } from '../llama';
import { llavaKeyShapes } from '../tiny/llava-shapes';
import { seededWeight } from '../tiny/seeded-init';
import type { LlavaConfig } from './llava-config';

/** `llama` as LLaVA-1.5 wraps it (mlp2x_gelu projector from `visionWidth`), every weight seeded. */
export function randomLlava(
  llama: LlamaConfig,
  o: { readonly visionWidth: number; readonly seed: number },
): { llava: LlavaConfig; load: (accept: (key: string) => boolean) => Promise<WeightMap> } {
  const weights = new Map<string, Tensor<'float32'>>();
  for (const [key, shape] of llavaKeyShapes(llama, o.visionWidth))
    weights.set(key, seededWeight({ seed: o.seed, key, shape }));
  return {
    llava: {
      layout: 'llava',
      llama,
      projector: 'mlp2x_gelu',
      visionFeatureLayer: -2,
      visionSelect: 'patch',
      mmHiddenSize: o.visionWidth,
      imageAspectRatio: 'pad',
      vision: undefined,
    },
    load: async (accept) =>
      WeightMap.fromTensors('random', Object.fromEntries([...weights].filter(([k]) => accept(k)))),
  };
}
