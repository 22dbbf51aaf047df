/**
 * @module
 * Writes momaflow's tiny ControlNet: `controlnet/momaflow-tiny-controlnet.safetensors`, a ControlNet for
 * the tiny SD1.5-architecture model laid out like the original releases (cldm keys under
 * `control_model.`, fp16) with the cldm yaml beside it that those releases ship
 * (`model.params.control_stage_config`), so `workflows/controlnet-canny.json` runs out of the box.
 * Weights are random but seeded: the same command writes byte-identical files. Unlike a freshly made
 * ControlNet its zero convs are not zero, so its residuals visibly steer the tiny model.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dict, encodeSafetensors, Tensor } from '@momaflow/engine';
import { stringify } from 'yaml';
import { type LdmHintShape, ldmControlNetShapes } from './ldm-controlnet-shapes';
import { seededWeight } from './seeded-init';
import { type LdmUnetShape, TINY_SD15_SHAPE } from './tiny-sd15-config';
import { exists, writeAtomic } from './write-atomic';

/**
 * File name of the tiny ControlNet inside `models/controlnet`.
 * @example
 * join(env.dirs.models, 'controlnet', TINY_CONTROLNET_FILE);
 */
export const TINY_CONTROLNET_FILE = 'momaflow-tiny-controlnet.safetensors';

const TINY_CONTROLNET_YAML = 'momaflow-tiny-controlnet.yaml';

/** Seed of the published tiny ControlNet. */
const TINY_CONTROLNET_SEED = 1511;

/** cldm's hint embedding (cldm/cldm.py `input_hint_block`): an RGB hint, stages 16, 32, 96, 256. */
export const CLDM_HINT_SHAPE: LdmHintShape = Object.freeze({
  channels: 3,
  widths: Object.freeze([16, 32, 96, 256]),
});

/**
 * The seeded init (std 1 / sqrt(3 fan_in)) shrinks activations about 3x per conv + SiLU, so through
 * the hint block's 8 convs a sparse edge hint would fade to 1e-4 and barely steer anything. A trained
 * ControlNet's hint embedding matches the features it is added to; this gain on the hint convs'
 * weights keeps the tiny one's embedding near that scale.
 */
const HINT_GAIN = 4;
const HINT_CONV = /^control_model\.input_hint_block\.\d+\.weight$/;

/** Options of `makeTinyControlNet`. */
export interface MakeTinyControlNetOptions {
  /** The models folder; files go to its `controlnet/` subfolder. */
  readonly modelsDir: string;
  /** Leave existing files alone (both must exist), instead of rewriting them. */
  readonly ifAbsent?: boolean;
}

/** What `makeTinyControlNet` did. */
export interface TinyControlNetFiles {
  readonly controlnet: string;
  readonly yaml: string;
  readonly written: boolean;
  readonly bytes: number;
}

const HEADER = `# cldm config of momaflow-tiny-controlnet.safetensors, written by \`momaflow models make-tiny\`:
# a ControlNet with RANDOM (seeded) weights for the tiny model momaflow-tiny-sd15. The original
# ControlNet releases ship a yaml like this beside each file; control_stage_config.params are the
# cldm ControlNet's constructor arguments (the copied UNet's shape and the hint's channels).
`;

/**
 * The cldm yaml for a ControlNet of UNet shape `p` with an RGB (or `hintChannels`) hint.
 * @example
 * await writeFile('models/controlnet/x.yaml', controlNetYamlText(TINY_SD15_SHAPE.unet, 3));
 */
export function controlNetYamlText(p: LdmUnetShape, hintChannels: number): string {
  const { out_channels: _, ...params } = p;
  const doc = {
    model: {
      target: 'cldm.cldm.ControlLDM',
      params: {
        control_key: 'hint',
        control_stage_config: {
          target: 'cldm.cldm.ControlNet',
          params: { ...params, hint_channels: hintChannels },
        },
      },
    },
  };
  return HEADER + stringify(doc, { flowCollectionPadding: false });
}

/**
 * The tiny ControlNet's tensors (float32; stored as fp16).
 * @example
 * Object.keys(tinyControlNetTensors(TINY_SD15_SHAPE.unet, 1)).length;
 */
export function tinyControlNetTensors(p: LdmUnetShape, seed: number): Record<string, Tensor<'float32'>> {
  const tensors = dict<Tensor<'float32'>>();
  for (const [key, shape] of ldmControlNetShapes(p, CLDM_HINT_SHAPE)) {
    const w = seededWeight({ seed, key, shape });
    tensors[key] = HINT_CONV.test(key)
      ? new Tensor(
          'float32',
          w.shape,
          w.data.map((v) => v * HINT_GAIN),
        )
      : w;
  }
  return tensors;
}

/**
 * Write (or with `ifAbsent`, keep) the tiny ControlNet and its yaml; the yaml first, so the weights
 * never appear without the shape they need.
 * @example
 * const { controlnet } = await makeTinyControlNet({ modelsDir: 'models', ifAbsent: true });
 */
export async function makeTinyControlNet(options: MakeTinyControlNetOptions): Promise<TinyControlNetFiles> {
  const dir = join(options.modelsDir, 'controlnet');
  const controlnet = join(dir, TINY_CONTROLNET_FILE);
  const yaml = join(dir, TINY_CONTROLNET_YAML);
  if (options.ifAbsent && (await exists(controlnet)) && (await exists(yaml))) {
    return { controlnet, yaml, written: false, bytes: (await stat(controlnet)).size };
  }
  await mkdir(dir, { recursive: true });
  const unet = TINY_SD15_SHAPE.unet;
  const bytes = encodeSafetensors(tinyControlNetTensors(unet, TINY_CONTROLNET_SEED), {
    dtype: 'F16',
    metadata: {
      format: 'pt',
      'momaflow.model': 'tiny-controlnet',
      'momaflow.seed': String(TINY_CONTROLNET_SEED),
    },
  });
  await writeAtomic(yaml, controlNetYamlText(unet, CLDM_HINT_SHAPE.channels));
  await writeAtomic(controlnet, bytes);
  return { controlnet, yaml, written: true, bytes: bytes.byteLength };
}
