/**
 * @module
 * Writes momaflow's tiny default model: `checkpoints/momaflow-tiny-sd15.safetensors`, a single-file
 * LDM checkpoint in fp16 laid out exactly like real SD1.5 files (`model.diffusion_model.*`,
 * `first_stage_model.*`, `cond_stage_model.transformer.text_model.*`), and the `.yaml` beside it with
 * its shapes. Weights are random but seeded, so the same command writes byte-identical files.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnyTensor, dict, encodeSafetensors, Tensor } from '@momaflow/engine';
import { LDM_CLIP_TEXT_PREFIX, ldmClipTextShapes } from './ldm-clip-shapes';
import { ldmUnetShapes } from './ldm-unet-shapes';
import { ldmVaeShapes } from './ldm-vae-shapes';
import { seededWeight } from './seeded-init';
import { type LdmCheckpointShape, ldmYamlText, TINY_SD15_SHAPE } from './tiny-sd15-config';
import { exists, writeAtomic } from './write-atomic';

/**
 * File name of the tiny checkpoint inside `models/checkpoints`.
 * @example
 * join(env.dirs.models, 'checkpoints', TINY_SD15_FILE);
 */
export const TINY_SD15_FILE = 'momaflow-tiny-sd15.safetensors';

const TINY_SD15_YAML = 'momaflow-tiny-sd15.yaml';

/** Seed of the published tiny model; changing it changes every weight. */
const TINY_SD15_SEED = 1505;

/** Options of `makeTinySd15`. */
export interface MakeTinySd15Options {
  /** The models folder; files go to its `checkpoints/` subfolder. */
  readonly modelsDir: string;
  /** Leave existing files alone (both must exist), instead of rewriting them. */
  readonly ifAbsent?: boolean;
}

/** What `makeTinySd15` did. */
export interface TinySd15Files {
  readonly checkpoint: string;
  readonly yaml: string;
  /** False when `ifAbsent` found both files and wrote nothing. */
  readonly written: boolean;
  /** Size of the checkpoint file. */
  readonly bytes: number;
}

/**
 * The checkpoint's tensors: float weights (stored as fp16) plus the int64 `position_ids` buffer real
 * SD1.x files carry.
 * @example
 * Object.keys(tinySd15Tensors(TINY_SD15_SHAPE, 1)).length;
 */
export function tinySd15Tensors(shape: LdmCheckpointShape, seed: number): Record<string, AnyTensor> {
  const tensors = dict<AnyTensor>();
  for (const shapes of [ldmUnetShapes(shape.unet), ldmVaeShapes(shape.vae), ldmClipTextShapes(shape.clip)]) {
    for (const [key, dims] of shapes) tensors[key] = seededWeight({ seed, key, shape: dims });
  }
  const positions = shape.clip.max_position_embeddings;
  tensors[`${LDM_CLIP_TEXT_PREFIX}embeddings.position_ids`] = new Tensor(
    'int64',
    [1, positions],
    BigInt64Array.from({ length: positions }, (_, i) => BigInt(i)),
  );
  return tensors;
}

/**
 * Write (or with `ifAbsent`, keep) the tiny checkpoint and its yaml. The yaml is written first, so
 * the checkpoint never appears without the shapes it needs.
 * @example
 * const { checkpoint, written } = await makeTinySd15({ modelsDir: 'models', ifAbsent: true });
 */
export async function makeTinySd15(options: MakeTinySd15Options): Promise<TinySd15Files> {
  const dir = join(options.modelsDir, 'checkpoints');
  const checkpoint = join(dir, TINY_SD15_FILE);
  const yaml = join(dir, TINY_SD15_YAML);
  if (options.ifAbsent && (await exists(checkpoint)) && (await exists(yaml))) {
    return { checkpoint, yaml, written: false, bytes: (await stat(checkpoint)).size };
  }
  await mkdir(dir, { recursive: true });
  const bytes = encodeSafetensors(tinySd15Tensors(TINY_SD15_SHAPE, TINY_SD15_SEED), {
    dtype: 'F16',
    metadata: { format: 'pt', 'momaflow.model': 'tiny-sd15', 'momaflow.seed': String(TINY_SD15_SEED) },
  });
  await writeAtomic(yaml, ldmYamlText(TINY_SD15_SHAPE));
  await writeAtomic(checkpoint, bytes);
  return { checkpoint, yaml, written: true, bytes: bytes.byteLength };
}
