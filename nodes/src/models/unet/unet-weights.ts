/**
 * @module
 * Where a UNet's weights come from: a diffusers `unet/` weight file (keys as diffusers names them), the
 * `model.diffusion_model.*` part of a single-file LDM checkpoint (keys converted), or tensors in memory.
 * A source is a cheap, immutable description; `load()` reads the tensors (F16 widened to float32) only
 * when a graph is compiled.
 */
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import type { Tensor } from '@momaflow/engine';
import { EngineError, errorMessage, withWeightReader } from '@momaflow/engine';
import { ldmKey, WeightMap } from '../ldm-config';
import { ldmEmaKey } from './ldm-ema-key';
import { convertLdmUnetKeys, LDM_UNET_PREFIX } from './ldm-unet-keys';

/** The weights of one UNet, loadable on demand. */
export interface UnetWeightSource {
  /** Identity for caches: changes when the weights change (file path, size and mtime, or given). */
  readonly id: string;
  /** Where the weights are, for messages. */
  readonly origin: string;
  /** Read every UNet tensor under its diffusers key. */
  load(): Promise<WeightMap>;
  /**
   * Values of the graph inputs the loaded weights declare (the strengths of low-rank deltas, float [1]
   * each), kept out of `id` so that changing one does not change the compiled graph.
   */
  readonly inputs?: Readonly<Record<string, Tensor<'float32'>>>;
}

async function fileIdentity(kind: string, path: string): Promise<string> {
  try {
    const real = await realpath(path);
    const s = await stat(real);
    // Hashing gigabytes on every load costs seconds; path + size + mtime is what ComfyUI keys on too.
    return createHash('sha256')
      .update(JSON.stringify([kind, real, s.size, s.mtimeMs]))
      .digest('hex');
  } catch (cause) {
    throw new EngineError(
      'checkpoint_not_found',
      `cannot read '${path}': ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
}

/**
 * A diffusers UNet weight file (`unet/diffusion_pytorch_model.safetensors` or `.bin`).
 * @example
 * const weights = await diffusersUnetWeights('models/sd15/unet/diffusion_pytorch_model.safetensors');
 */
export async function diffusersUnetWeights(path: string): Promise<UnetWeightSource> {
  const id = await fileIdentity('diffusers-unet', path);
  return Object.freeze({
    id,
    origin: path,
    load: () => withWeightReader(path, (reader) => WeightMap.load(reader, (key) => ({ key }))),
  });
}

/** Options of `ldmUnetWeights`. */
export interface LdmUnetWeightsOptions {
  /**
   * Read the EMA copy (`model_ema.*`, LDM's LitEma buffers) instead of `model.diffusion_model.*`.
   * Training checkpoints hold both; the EMA copy is what most DreamBooth trainers publish as the result.
   */
  readonly ema?: boolean;
}

/**
 * The UNet of a single-file LDM checkpoint, keys converted with `convertLdmUnetKeys`; `.ckpt` files'
 * `state_dict.` level is looked through.
 * @throws EngineError `not_a_unet_checkpoint` (on load) when the file holds no `model.diffusion_model.*`
 * key, `ema_weights_incomplete` when `ema` is asked and a UNet weight has no EMA copy.
 * @example
 * const weights = await ldmUnetWeights('models/checkpoints/sd15.safetensors', 2);
 * const ema = await ldmUnetWeights('models/checkpoints/dreambooth.ckpt', 2, { ema: true });
 */
export async function ldmUnetWeights(
  path: string,
  layersPerBlock: number,
  o: LdmUnetWeightsOptions = {},
): Promise<UnetWeightSource> {
  const ema = o.ema === true;
  const id = await fileIdentity(`ldm-unet:${layersPerBlock}${ema ? ':ema' : ''}`, path);
  return Object.freeze({
    id,
    origin: ema ? `${path} (EMA weights)` : path,
    load: () =>
      withWeightReader(path, async (reader) => {
        const unetKeys = reader
          .keys()
          .map(ldmKey)
          .filter((k) => k.startsWith(LDM_UNET_PREFIX))
          .map((k) => k.slice(LDM_UNET_PREFIX.length));
        if (unetKeys.length === 0) {
          throw new EngineError('not_a_unet_checkpoint', `${path} has no '${LDM_UNET_PREFIX}*' weights`, {
            path,
          });
        }
        const { mapping } = convertLdmUnetKeys(unetKeys, layersPerBlock);
        // The stored name each converted key is read from: the weight itself, or its EMA copy.
        const sourceOf = new Map<string, string>();
        for (const [key, converted] of mapping) {
          sourceOf.set(ema ? ldmEmaKey(`${LDM_UNET_PREFIX}${key}`) : `${LDM_UNET_PREFIX}${key}`, converted);
        }
        const map = await WeightMap.load(reader, (stored) => {
          const key = sourceOf.get(ldmKey(stored));
          return key === undefined ? undefined : { key };
        });
        if (ema) {
          const missing = [...sourceOf].find(([, key]) => !map.has(key));
          if (missing !== undefined) {
            throw new EngineError(
              'ema_weights_incomplete',
              `${path} has no EMA copy '${missing[0]}' of its UNet weight '${missing[1]}'`,
              { path, key: missing[0] },
            );
          }
        }
        return map;
      }),
  });
}

/**
 * Tensors in memory under diffusers keys (tests, generated models). `id` must identify the values.
 * @example
 * const weights = memoryUnetWeights('random-sd15-seed1', tensors);
 */
export function memoryUnetWeights(
  id: string,
  tensors: Readonly<Record<string, Tensor<'float32'>>>,
): UnetWeightSource {
  return Object.freeze({
    id,
    origin: `memory:${id}`,
    load: async () => WeightMap.fromTensors(`memory:${id}`, tensors),
  });
}
