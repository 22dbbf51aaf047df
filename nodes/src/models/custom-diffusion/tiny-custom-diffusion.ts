/**
 * @module
 * Deterministic Custom Diffusion outputs for a model, in the layouts of its trainers, for the tiny model
 * set and tests (crossattn_kv: every `attn2.to_k` / `to_v`, one vector per modifier token):
 * - `diffusers`: `train_custom_diffusion.py`'s processor weights, plus one `{token: [width]}` file per token;
 * - `delta-bin`: adobe-research's diffusers trainer, `unet.*` weights and `modifier_token.*` vectors;
 * - `compvis`: its CompVis trainer, LDM names and `embed` rows (`.ckpt` files nest them in `state_dict`);
 * - `compressed`: `delta-bin` after its `compress.py`, `{u, v}` (rank 2) per weight.
 */
import { dict, Tensor } from '@momaflow/engine';
import { unetLdmModules } from '../lora';
import { seededWeight } from '../tiny/seeded-init';
import type { SdModelShapes } from '../tiny/tiny-sd15-models';
import { LDM_UNET_PREFIX, unetWeightShapes } from '../unet';

/** The layouts `tinyCustomDiffusion` writes. */
export type TinyCustomDiffusionFormat = 'diffusers' | 'delta-bin' | 'compvis' | 'compressed';

/** The tensors of the main file, and of each token file (`diffusers` only), by token. */
export interface TinyCustomDiffusionFiles {
  readonly weights: Record<string, Tensor<'float32'>>;
  readonly tokenFiles: Record<string, Record<string, Tensor<'float32'>>>;
}

const KV = /\.attn2\.to_[kv]\.weight$/;
const RANK = 2;

/**
 * @example
 * const { weights, tokenFiles } = tinyCustomDiffusion('diffusers', sdModelShapes(), 1, ['<new1>']);
 */
export function tinyCustomDiffusion(
  format: TinyCustomDiffusionFormat,
  models: SdModelShapes,
  seed: number,
  tokens: readonly string[],
): TinyCustomDiffusionFiles {
  const ldm = unetLdmModules(models.unet);
  const width = models.clip.hiddenSize;
  const weights = dict<Tensor<'float32'>>();
  const tokenFiles = dict<Record<string, Tensor<'float32'>>>();
  const make = (key: string, shape: readonly number[]) => seededWeight({ seed, key, shape });
  for (const [key, shape] of unetWeightShapes(models.unet)) {
    if (!KV.test(key)) continue;
    const module = key.slice(0, -'.weight'.length);
    switch (format) {
      case 'diffusers': {
        const name = module.replace(/\.(to_[kv])$/, '.processor.$1_custom_diffusion');
        weights[`${name}.weight`] = make(key, shape);
        break;
      }
      case 'delta-bin':
        weights[`unet.${key}`] = make(key, shape);
        break;
      case 'compvis':
        weights[`${LDM_UNET_PREFIX}${ldm.get(module) ?? module}.weight`] = make(key, shape);
        break;
      case 'compressed':
        weights[`unet.${key}.u`] = make(`${key}.u`, [shape[0] ?? 0, RANK]);
        weights[`unet.${key}.v`] = make(`${key}.v`, [RANK, shape[1] ?? 0]);
        break;
    }
  }
  const vectors = tokens.map((t) => make(t, [1, width]));
  if (format === 'compvis') {
    // One [n * width] tensor, reshaped to rows by `sample.py` (`embed.reshape(-1, 768)`).
    const rows = new Float32Array(tokens.length * width);
    for (const [i, v] of vectors.entries()) rows.set(v.data, i * width);
    weights.embed = new Tensor('float32', [tokens.length * width], rows);
  } else if (format === 'diffusers') {
    tokens.forEach((t, i) => {
      tokenFiles[t] = { [t]: vectors[i]!.reshape([width]) };
    });
  } else {
    tokens.forEach((t, i) => {
      weights[`modifier_token.${t}`] = vectors[i]!.reshape([width]);
    });
  }
  return { weights, tokenFiles };
}
