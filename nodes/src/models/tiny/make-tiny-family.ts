/**
 * @module
 * Writes the personalization family's tiny files for the tiny default model, each in the key layout its
 * community publishes (see the `tiny*` generators beside each model family), so the LoRA, textual
 * inversion, Custom Diffusion, DreamBooth and IP-Adapter example workflows run out of the box: LoRAs (kohya with
 * text-encoder modules, LyCORIS LoCon, diffusers), textual-inversion embeddings (A1111 multi-vector,
 * diffusers single-vector), two Custom Diffusion concepts (a diffusers output folder with `<new1>`, an
 * adobe-research `delta.bin` layout with `<new2>`), and a DreamBooth-style training checkpoint (the
 * tiny architecture with other weights, their `model_ema.*` copies and LDM's schedule buffers, as
 * trainers save them), and ip-adapter_sd15- and ip-adapter-plus_sd15-layout adapters for the tiny vision
 * tower. Seeded: the same command writes the same bytes.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type AnyTensor, encodeSafetensors, Tensor } from '@momaflow/engine';
import { tinyCustomDiffusion } from '../custom-diffusion/tiny-custom-diffusion';
import { tinyEmbeddingTensors } from '../embeddings/tiny-embeddings';
import { tinyIpAdapterTensors } from '../ip-adapter/tiny-ip-adapter';
import { type TinyLoraFormat, tinyLoraTensors } from '../lora/tiny-loras';
import { ldmEmaKey } from '../unet/ldm-ema-key';
import { TINY_CLIP_VISION, TINY_CLIP_VISION_PROJECTION_DIM } from './make-tiny-moma';
import { tinySd15Tensors } from './make-tiny-sd15';
import { ldmYamlText, TINY_SD15_SHAPE } from './tiny-sd15-config';
import { sdModelShapes } from './tiny-sd15-models';
import { exists, writeAtomic } from './write-atomic';

/** Options of `makeTinyFamily`. */
export interface MakeTinyFamilyOptions {
  /** The models folder; files go to `loras/`, `embeddings/` and `custom_diffusion/` under it. */
  readonly modelsDir: string;
  /** Leave existing files alone instead of rewriting them. */
  readonly ifAbsent?: boolean;
}

/** One file `makeTinyFamily` made or kept. */
export interface TinyFamilyFile {
  readonly file: string;
  readonly bytes: number;
  readonly written: boolean;
}

/**
 * File names (relative to the models folder) of the tiny family.
 * @example
 * join(env.dirs.models, TINY_FAMILY_FILES.lora);
 */
export const TINY_FAMILY_FILES = {
  lora: 'loras/momaflow-tiny-lora.safetensors',
  locon: 'loras/momaflow-tiny-locon.safetensors',
  loraDiffusers: 'loras/momaflow-tiny-lora-diffusers.safetensors',
  embedding: 'embeddings/momaflow-tiny-embedding.safetensors',
  learnedEmbeds: 'embeddings/momaflow-tiny-learned-embeds.safetensors',
  customDiffusionCat: 'custom_diffusion/momaflow-tiny-cat',
  customDiffusionDog: 'custom_diffusion/momaflow-tiny-dog-delta.safetensors',
  dreambooth: 'checkpoints/momaflow-tiny-dreambooth.safetensors',
  ipAdapter: 'ipadapter/momaflow-tiny-ip-adapter.safetensors',
  ipAdapterPlus: 'ipadapter/momaflow-tiny-ip-adapter-plus.safetensors',
} as const;

const SEED = 1512;

/** kohya's own metadata keys, as sd-scripts writes them, so tools that read them find them. */
function kohyaMetadata(format: TinyLoraFormat): Record<string, string> {
  return {
    ss_network_module: format === 'locon' ? 'lycoris.kohya' : 'networks.lora',
    ss_network_dim: '4',
    ss_network_alpha: format === 'locon' ? '4' : '2',
    'momaflow.model': `tiny-${format}`,
  };
}

type Entry = readonly [string, Record<string, AnyTensor>, Record<string, string>];

/** A fine-tuned tiny checkpoint as training saves it: weights, their EMA copies, schedule buffers. */
function dreamboothTensors(seed: number): Record<string, AnyTensor> {
  const tensors = tinySd15Tensors(TINY_SD15_SHAPE, seed);
  const ema = tinySd15Tensors(TINY_SD15_SHAPE, seed + 1);
  for (const key of Object.keys(ema).filter((k) => k.startsWith('model.diffusion_model.'))) {
    tensors[ldmEmaKey(key)] = ema[key]!;
  }
  tensors['model_ema.decay'] = new Tensor('float32', [], Float32Array.of(0.9999));
  // LDM's scaled-linear schedule (linear_start 0.00085, linear_end 0.012), as every SD1.x training checkpoint has it.
  const betas = Float32Array.from(
    { length: 1000 },
    (_, t) => (Math.sqrt(0.00085) + (t / 999) * (Math.sqrt(0.012) - Math.sqrt(0.00085))) ** 2,
  );
  let product = 1;
  tensors.betas = new Tensor('float32', [1000], betas);
  tensors.alphas_cumprod = new Tensor(
    'float32',
    [1000],
    betas.map((b) => (product *= 1 - b)),
  );
  return tensors;
}

function entries(): Entry[] {
  const models = sdModelShapes();
  const width = models.clip.hiddenSize;
  // The IP-Adapters read the tiny vision tower make-tiny writes for MoMA: ip-adapter_sd15 its
  // image_embeds, ip-adapter-plus its hidden states.
  const vision = { projectionDim: TINY_CLIP_VISION_PROJECTION_DIM, hiddenSize: TINY_CLIP_VISION.hiddenSize };
  const cat = tinyCustomDiffusion('diffusers', models, SEED + 5, ['<new1>']);
  const dog = tinyCustomDiffusion('delta-bin', models, SEED + 6, ['<new2>']);
  const tag = (name: string) => ({ 'momaflow.model': name });
  return [
    [TINY_FAMILY_FILES.lora, tinyLoraTensors('kohya', models, SEED), kohyaMetadata('kohya')],
    [TINY_FAMILY_FILES.locon, tinyLoraTensors('locon', models, SEED + 1), kohyaMetadata('locon')],
    [
      TINY_FAMILY_FILES.loraDiffusers,
      tinyLoraTensors('diffusers', models, SEED + 2),
      tag('tiny-lora-diffusers'),
    ],
    [TINY_FAMILY_FILES.embedding, tinyEmbeddingTensors('a1111', width, SEED + 3, 2), tag('tiny-embedding')],
    [
      TINY_FAMILY_FILES.learnedEmbeds,
      tinyEmbeddingTensors('diffusers', width, SEED + 4),
      tag('tiny-learned-embeds'),
    ],
    [
      `${TINY_FAMILY_FILES.customDiffusionCat}/pytorch_custom_diffusion_weights.safetensors`,
      cat.weights,
      tag('tiny-cd'),
    ],
    ...Object.entries(cat.tokenFiles).map(
      ([token, tensors]): Entry => [
        `${TINY_FAMILY_FILES.customDiffusionCat}/${token}.safetensors`,
        tensors,
        tag('tiny-cd'),
      ],
    ),
    [TINY_FAMILY_FILES.customDiffusionDog, dog.weights, tag('tiny-cd')],
    [TINY_FAMILY_FILES.dreambooth, dreamboothTensors(SEED + 7), tag('tiny-dreambooth')],
    [
      TINY_FAMILY_FILES.ipAdapterPlus,
      tinyIpAdapterTensors('plus', models.unet, vision, SEED + 8),
      tag('tiny-ip-adapter-plus'),
    ],
    [
      TINY_FAMILY_FILES.ipAdapter,
      tinyIpAdapterTensors('base', models.unet, vision, SEED + 9),
      tag('tiny-ip-adapter'),
    ],
  ];
}

/**
 * Write (or with `ifAbsent`, keep) every tiny family file.
 * @example
 * const files = await makeTinyFamily({ modelsDir: 'models', ifAbsent: true });
 */
export async function makeTinyFamily(options: MakeTinyFamilyOptions): Promise<TinyFamilyFile[]> {
  const out: TinyFamilyFile[] = [];
  for (const [name, tensors, metadata] of entries()) {
    const file = join(options.modelsDir, name);
    if (options.ifAbsent && (await exists(file))) {
      out.push({ file, bytes: (await stat(file)).size, written: false });
      continue;
    }
    await mkdir(dirname(file), { recursive: true });
    // A checkpoint's yaml goes first, so the file never appears without the shapes it needs.
    if (name.startsWith('checkpoints/'))
      await writeAtomic(file.replace(/\.safetensors$/, '.yaml'), ldmYamlText(TINY_SD15_SHAPE));
    const bytes = encodeSafetensors(tensors, { dtype: 'F16', metadata: { format: 'pt', ...metadata } });
    await writeAtomic(file, bytes);
    out.push({ file, bytes: bytes.byteLength, written: true });
  }
  return out;
}
