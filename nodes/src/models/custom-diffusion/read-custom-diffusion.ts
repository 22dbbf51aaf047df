/**
 * @module
 * Custom Diffusion's outputs (Kumari et al. 2023: fine-tuned cross-attention key / value projections
 * plus modifier-token embeddings such as `<new1>`) in the layouts its trainers save, planned from the
 * headers against the UNet:
 * - adobe-research/custom-diffusion, diffusers trainer: `delta.bin` = `{unet: {<module>.attn2.to_k.weight:
 *   W}, modifier_token: {'<new1>': [width]}}` (compressed: `{u, v}` per weight, a delta `u @ v`);
 * - the same repository's CompVis trainer: `delta_epoch=N.ckpt` = `{state_dict: {model.diffusion_model.
 *   <ldm module>.attn2.to_k.weight: W, embed: [n * width]}}`, whose rows are `<new1>`, `<new2>`, ... in
 *   order (the config that named them is not in the file);
 * - diffusers' `train_custom_diffusion.py`: a folder with `pytorch_custom_diffusion_weights.{safetensors,bin}`
 *   (`<module>.attn2.processor.to_k_custom_diffusion.weight`, `to_out_custom_diffusion.0.*` when the
 *   queries and output were trained too) and one `<token>.{safetensors,bin}` per modifier token.
 * Only cross-attention weights (`attn2`) are patched; any other key is listed by name as not applied.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, withWeightReader } from '@momaflow/engine';
import { ldmKey } from '../ldm-config';
import { LDM_UNET_PREFIX, ldmToDiffusersUnetKey } from '../unet';

/** A cross-attention weight the file sets (`full`) or moves by `u @ v` (compressed files). */
export interface CustomDiffusionWeight {
  /** The diffusers key (`down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight`). */
  readonly key: string;
  readonly file: string;
  readonly stored: { readonly full: string } | { readonly u: string; readonly v: string };
}

/** A modifier token and where its vector is: `row` of the tensor `key` in `file`. */
export interface CustomDiffusionToken {
  readonly text: string;
  readonly file: string;
  readonly key: string;
  readonly row: number;
}

/** What a Custom Diffusion file or folder holds. */
export interface CustomDiffusionPlan {
  readonly path: string;
  readonly weights: readonly CustomDiffusionWeight[];
  readonly tokens: readonly CustomDiffusionToken[];
  /** Keys not applied (other modules, a saved text encoder, ...). */
  readonly unknown: readonly string[];
}

/** What the plan is checked against. */
export interface CustomDiffusionModel {
  /** The UNet's weights by diffusers key, with shapes (`unetWeightShapes`). */
  readonly unetShapes: ReadonlyMap<string, readonly number[]>;
  readonly layersPerBlock: number;
  /** The text encoder's hidden size. */
  readonly width: number;
}

const DIFFUSERS_WEIGHTS = [
  'pytorch_custom_diffusion_weights.safetensors',
  'pytorch_custom_diffusion_weights.bin',
];
const TOKEN_FILE = /\.(safetensors|bin)$/;
const EMBED_KEY = 'embed';
const MODIFIER_PREFIX = 'modifier_token.';
const UNET_PREFIX = 'unet.';

/** The diffusers key of a stored weight key (any of the three layouts), or `undefined`. */
function unetKeyOf(stored: string, layersPerBlock: number): string | undefined {
  let key = ldmKey(stored);
  if (key.startsWith(UNET_PREFIX)) key = key.slice(UNET_PREFIX.length);
  if (key.startsWith(LDM_UNET_PREFIX))
    return ldmToDiffusersUnetKey(key.slice(LDM_UNET_PREFIX.length), layersPerBlock);
  return key
    .replace(/\.processor\.(to_[qkv])_custom_diffusion\./, '.$1.')
    .replace(/\.processor\.to_out_custom_diffusion\.0\./, '.to_out.0.');
}

function sameShape(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

interface FilePlan {
  readonly weights: CustomDiffusionWeight[];
  readonly tokens: CustomDiffusionToken[];
  readonly unknown: string[];
}

/** Plan one weight file (with its `embed` / `modifier_token.*` rows). */
function planFile(path: string, model: CustomDiffusionModel): Promise<FilePlan> {
  return withWeightReader(path, async (reader) => {
    const out: FilePlan = { weights: [], tokens: [], unknown: [] };
    const compressed = new Map<string, { u?: string; v?: string }>();
    const shapeOf = (k: string) => reader.info(k)?.shape;
    for (const stored of reader.keys()) {
      const key = ldmKey(stored);
      if (key === EMBED_KEY) {
        const rows = (reader.info(stored)?.shape ?? []).reduce((a, d) => a * d, 1) / model.width;
        if (!Number.isInteger(rows)) {
          throw new EngineError(
            'custom_diffusion_invalid',
            `${path}: '${stored}' is not a whole number of ${model.width}-wide rows`,
            { path },
          );
        }
        for (let row = 0; row < rows; row++)
          out.tokens.push({ text: `<new${row + 1}>`, file: path, key: stored, row });
        continue;
      }
      if (key.startsWith(MODIFIER_PREFIX)) {
        out.tokens.push({ text: key.slice(MODIFIER_PREFIX.length), file: path, key: stored, row: 0 });
        continue;
      }
      const uv = /\.(u|v)$/.exec(key);
      const target = unetKeyOf(uv === null ? key : key.slice(0, -2), model.layersPerBlock);
      if (target === undefined || !target.includes('.attn2.') || !model.unetShapes.has(target)) {
        out.unknown.push(stored);
      } else if (uv !== null) {
        const slot = compressed.get(target) ?? {};
        slot[uv[1] as 'u' | 'v'] = stored;
        compressed.set(target, slot);
      } else {
        if (!sameShape(shapeOf(stored), model.unetShapes.get(target))) {
          throw new EngineError(
            'custom_diffusion_shape_mismatch',
            `${path}: '${stored}' has shape [${shapeOf(stored)?.join(', ')}], the model's '${target}' is [${model.unetShapes.get(target)?.join(', ')}]`,
            { path, key: stored },
          );
        }
        out.weights.push({ key: target, file: path, stored: { full: stored } });
      }
    }
    for (const [target, { u, v }] of compressed) {
      if (u === undefined || v === undefined) {
        throw new EngineError(
          'custom_diffusion_invalid',
          `${path}: the compressed delta of '${target}' lacks its ${u === undefined ? 'u' : 'v'} factor`,
          { path },
        );
      }
      out.weights.push({ key: target, file: path, stored: { u, v } });
    }
    return out;
  });
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory());
}

/**
 * Plan the Custom Diffusion file or diffusers output folder at `path`.
 * @throws EngineError `custom_diffusion_shape_mismatch` naming both shapes, `custom_diffusion_invalid`,
 * `custom_diffusion_empty` when nothing in it patches this model, or a weight reader's error.
 * @example
 * const plan = await readCustomDiffusion('models/custom_diffusion/cat', { unetShapes, layersPerBlock: 2, width: 768 });
 */
export async function readCustomDiffusion(
  path: string,
  model: CustomDiffusionModel,
): Promise<CustomDiffusionPlan> {
  let main = path;
  let tokenFiles: string[] = [];
  if (await isDirectory(path)) {
    const names = await readdir(path);
    const weights = DIFFUSERS_WEIGHTS.find((n) => names.includes(n));
    if (weights === undefined) {
      throw new EngineError(
        'custom_diffusion_invalid',
        `${path} has none of ${DIFFUSERS_WEIGHTS.join(', ')}`,
        { path },
      );
    }
    main = join(path, weights);
    tokenFiles = names
      .filter((n) => TOKEN_FILE.test(n) && !DIFFUSERS_WEIGHTS.includes(n))
      .sort()
      .map((n) => join(path, n));
  }
  const plan = await planFile(main, model);
  for (const file of tokenFiles) {
    // diffusers saves each modifier token as `{token: vector}`, the way it saves textual inversions.
    await withWeightReader(file, async (reader) => {
      for (const key of reader.keys()) plan.tokens.push({ text: key, file, key, row: 0 });
    });
  }
  if (plan.weights.length === 0) {
    throw new EngineError(
      'custom_diffusion_empty',
      `${path} sets no cross-attention weight of this model (${plan.unknown.length} other keys, e.g. ${plan.unknown.slice(0, 3).join(', ') || 'none'})`,
      { path },
    );
  }
  return { path, weights: plan.weights, tokens: plan.tokens, unknown: plan.unknown.sort() };
}
