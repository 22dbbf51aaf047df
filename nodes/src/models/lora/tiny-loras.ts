/**
 * @module
 * Deterministic LoRA files for a given model in the key layouts people's files have, for the tiny model
 * set (`momaflow models make-tiny`) and for tests:
 * - `kohya`: sd-scripts' `lora_unet_` / `lora_te_` names after diffusers modules, `lora_down` / `lora_up`
 *   (1x1 conv modules with 4-D factors), `alpha`, on the transformers' linears and projections;
 * - `kohya-ldm`: the same on the original LDM module names (`lora_unet_input_blocks_4_1_proj_in`);
 * - `locon`: LyCORIS LoCon, also on the ResNets' convs (3x3 factors), time projections and resamplers,
 *   the 3x3 convs of the first block with Tucker cores (`lora_mid`);
 * - `diffusers`: `unet.` / `text_encoder.` + module, `lora.down` / `lora.up` (what diffusers'
 *   training scripts save, via `convert_state_dict_to_diffusers`);
 * - `peft`: the same with PEFT's `lora_A` / `lora_B`;
 * - `processor`: diffusers' old attention-processor files (`attn1.processor.to_q_lora.down.weight`).
 */
import { dict, Tensor } from '@momaflow/engine';
import type { ClipTextConfig } from '../clip-text';
import { seededWeight } from '../tiny/seeded-init';
import { type UnetLayout, unetWeightShapes } from '../unet';
import { clipTextShapes, unetLdmModules } from './lora-targets';

/** The layouts `tinyLoraTensors` writes. */
export type TinyLoraFormat = 'kohya' | 'kohya-ldm' | 'locon' | 'diffusers' | 'peft' | 'processor';

/** What the LoRA is for (see `sdModelShapes`). */
export interface TinyLoraModels {
  readonly unet: UnetLayout;
  readonly clip: ClipTextConfig;
}

const DEFAULT_RANK = 4;

const TRANSFORMER =
  /attentions\.\d+\.(proj_in|proj_out|transformer_blocks\.\d+\.(attn[12]\.(to_[qkv]|to_out\.0)|ff\.net\.(0\.proj|2)))$/;
const ATTENTION = /attn[12]\.(to_[qkv]|to_out\.0)$/;
const LOCON_EXTRA = /(resnets\.\d+\.(conv1|conv2|conv_shortcut|time_emb_proj)|(down|up)samplers\.0\.conv)$/;
const TUCKER = /^down_blocks\.0\.resnets\.0\.conv[12]$/;
const CLIP_MODULE = /(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$/;

/** Which UNet modules each layout patches. */
const UNET_MODULES = {
  kohya: (m) => TRANSFORMER.test(m),
  'kohya-ldm': (m) => TRANSFORMER.test(m),
  locon: (m) => TRANSFORMER.test(m) || LOCON_EXTRA.test(m),
  diffusers: (m) => TRANSFORMER.test(m),
  peft: (m) => TRANSFORMER.test(m),
  processor: (m) => ATTENTION.test(m),
} as const satisfies Record<TinyLoraFormat, (module: string) => boolean>;

const u = (module: string) => module.replaceAll('.', '_');

/** The stored name of a module and the suffixes of its up / down / mid factors. */
function naming(format: TinyLoraFormat, part: 'unet' | 'clip', module: string, ldm: string | undefined) {
  const kohya = { up: '.lora_up.weight', down: '.lora_down.weight', mid: '.lora_mid.weight' };
  const prefix = part === 'unet' ? 'unet.' : 'text_encoder.';
  switch (format) {
    case 'kohya':
    case 'locon':
      return { name: `${part === 'unet' ? 'lora_unet_' : 'lora_te_'}${u(module)}`, ...kohya, alpha: true };
    case 'kohya-ldm':
      return {
        name: part === 'unet' ? `lora_unet_${u(ldm ?? module)}` : `lora_te_${u(module)}`,
        ...kohya,
        alpha: true,
      };
    case 'diffusers':
      return {
        name: `${prefix}${module}`,
        up: '.lora.up.weight',
        down: '.lora.down.weight',
        mid: '',
        alpha: false,
      };
    case 'peft':
      return {
        name: `${prefix}${module}`,
        up: '.lora_B.weight',
        down: '.lora_A.weight',
        mid: '',
        alpha: false,
      };
    case 'processor': {
      const processor = module
        .replace(/\.(to_[qkv])$/, '.processor.$1')
        .replace(/\.to_out\.0$/, '.processor.to_out');
      return {
        name: `${prefix}${processor}`,
        up: '_lora.up.weight',
        down: '_lora.down.weight',
        mid: '',
        alpha: false,
      };
    }
  }
}

/** The modules a layout patches, with their weight shapes. */
function modulesOf(format: TinyLoraFormat, models: TinyLoraModels) {
  const unet = [...unetWeightShapes(models.unet)]
    .filter(([k, s]) => k.endsWith('.weight') && s.length >= 2 && UNET_MODULES[format](k.slice(0, -7)))
    .map(([k, shape]) => ({ part: 'unet' as const, module: k.slice(0, -7), shape }));
  const clip =
    format === 'processor'
      ? []
      : [...clipTextShapes(models.clip)]
          .filter(([k]) => k.endsWith('.weight') && CLIP_MODULE.test(k.slice(0, -7)))
          .map(([k, shape]) => ({ part: 'clip' as const, module: k.slice(0, -7), shape }));
  return [...unet, ...clip];
}

/**
 * The tensors of a LoRA for `models` in `format` (rank 4 unless told; kohya-style files carry alpha =
 * rank / 2, LoCon alpha = rank), seeded so the same call gives the same values.
 * @example
 * const tensors = tinyLoraTensors('kohya', { unet: model.layout, clip: clip.config }, 1);
 * encodeSafetensors(tensors, { dtype: 'F16' });
 */
export function tinyLoraTensors(
  format: TinyLoraFormat,
  models: TinyLoraModels,
  seed: number,
  rank = DEFAULT_RANK,
): Record<string, Tensor<'float32'>> {
  const ldm = unetLdmModules(models.unet);
  const out = dict<Tensor<'float32'>>();
  for (const { part, module, shape } of modulesOf(format, models)) {
    const n = naming(format, part, module, ldm.get(module));
    const [outC = 0, inC = 0, kh = 1, kw = 1] = shape;
    const conv = shape.length === 4;
    const tucker = format === 'locon' && TUCKER.test(module) && kh === 3;
    const down = !conv ? [rank, inC] : tucker ? [rank, inC, 1, 1] : [rank, inC, kh, kw];
    const weight = (suffix: string, dims: readonly number[]) => {
      out[n.name + suffix] = seededWeight({ seed, key: n.name + suffix, shape: dims });
    };
    weight(n.down, down);
    weight(n.up, conv ? [outC, rank, 1, 1] : [outC, rank]);
    if (tucker) weight(n.mid, [rank, rank, kh, kw]);
    if (n.alpha)
      out[`${n.name}.alpha`] = new Tensor(
        'float32',
        [],
        Float32Array.of(format === 'locon' ? rank : rank / 2),
      );
  }
  return out;
}
