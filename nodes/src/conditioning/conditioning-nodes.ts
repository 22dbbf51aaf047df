/**
 * @module
 * ComfyUI's conditioning nodes on CONDITIONING lists: combining (a sampler averages the entries'
 * predictions), blending prompts, zeroing them, and restricting entries to an area or a mask (the
 * sampler evaluates them per region, see diffusion/conditioning-regions.ts).
 */
import { defineNode, Input, Tensor } from '@momaflow/engine';
import type { Conditioning, ConditioningEntry } from '../diffusion';
import { requireMask } from '../image';

/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;

const OUTPUT = [{ type: 'CONDITIONING' as const, name: 'CONDITIONING', tooltip: 'The conditioning.' }];

/** Every entry with `values` set (ComfyUI `conditioning_set_values`). */
const setValues = (c: Conditioning, values: Partial<ConditioningEntry>): Conditioning =>
  c.map((e) => ({ ...e, ...values }));

/**
 * ConditioningAverage's blend: to * s + from * (1 - s), `from` cut or zero-padded to `to`'s tokens;
 * only `from`'s first entry is used (ComfyUI warns likewise).
 * @example
 * averageConditioning(a, b, 0.75);
 */
export function averageConditioning(to: Conditioning, from: Conditioning, strength: number): Conditioning {
  const source = from[0]!.context;
  const [, sourceTokens = 0, dim = 0] = source.shape;
  return to.map((e) => {
    const [rows = 0, tokens = 0] = e.context.shape;
    const out = new Float32Array(e.context.size);
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < tokens; t++) {
        for (let d = 0; d < dim; d++) {
          const i = (r * tokens + t) * dim + d;
          const f =
            t < sourceTokens ? source.data[((r % (source.shape[0] ?? 1)) * sourceTokens + t) * dim + d]! : 0;
          out[i] = e.context.data[i]! * strength + f * (1 - strength);
        }
      }
    }
    return { ...e, context: new Tensor('float32', e.context.shape, out) };
  });
}

/** ComfyUI's ConditioningCombine. */
export const ConditioningCombine = defineNode({
  type: 'ConditioningCombine',
  displayName: 'Conditioning (Combine)',
  category: 'conditioning',
  description:
    "Joins two conditionings: the sampler averages their entries' predictions (weighted by area and strength).",
  concurrent: true,
  inputs: {
    conditioning_1: Input.link('CONDITIONING', { tooltip: 'The first conditioning.' }),
    conditioning_2: Input.link('CONDITIONING', { tooltip: 'The second conditioning.' }),
  },
  outputs: OUTPUT,
  run: (_ctx, { conditioning_1, conditioning_2 }) => [[...conditioning_1, ...conditioning_2]],
});

/** ComfyUI's ConditioningAverage. */
export const ConditioningAverage = defineNode({
  type: 'ConditioningAverage',
  displayName: 'Conditioning (Average)',
  category: 'conditioning',
  description:
    'Blends the prompt embeddings: conditioning_to * strength + conditioning_from * (1 - strength).',
  concurrent: true,
  inputs: {
    conditioning_to: Input.link('CONDITIONING', {
      tooltip: 'The conditioning to blend into (its other settings are kept).',
    }),
    conditioning_from: Input.link('CONDITIONING', {
      tooltip: 'The conditioning blended in (its first entry).',
    }),
    conditioning_to_strength: Input.float({
      default: 1,
      min: 0,
      max: 1,
      step: 0.01,
      tooltip: 'Weight of conditioning_to.',
    }),
  },
  outputs: OUTPUT,
  run: (ctx, { conditioning_to, conditioning_from, conditioning_to_strength }) => {
    if (conditioning_from.length > 1) {
      ctx.log.warn('ConditioningAverage: conditioning_from has more than one entry; only the first is used');
    }
    return [averageConditioning(conditioning_to, conditioning_from, conditioning_to_strength)];
  },
});

/** ComfyUI's ConditioningZeroOut. */
export const ConditioningZeroOut = defineNode({
  type: 'ConditioningZeroOut',
  displayName: 'ConditioningZeroOut',
  category: 'advanced/conditioning',
  description: 'Replaces the prompt embeddings by zeros, keeping the other settings (a neutral negative).',
  concurrent: true,
  inputs: { conditioning: Input.link('CONDITIONING', { tooltip: 'The conditioning to zero.' }) },
  outputs: OUTPUT,
  run: (_ctx, { conditioning }) => [
    conditioning.map((e) => ({ ...e, context: Tensor.zeros('float32', e.context.shape) })),
  ],
});

/** ComfyUI's ConditioningSetArea. */
export const ConditioningSetArea = defineNode({
  type: 'ConditioningSetArea',
  displayName: 'Conditioning (Set Area)',
  category: 'conditioning',
  description:
    'Applies the conditioning only to a rectangle of the image (in pixels, multiples of 8), with a strength.',
  concurrent: true,
  inputs: {
    conditioning: Input.link('CONDITIONING', { tooltip: 'The conditioning to place.' }),
    width: Input.int({
      default: 64,
      min: 64,
      max: MAX_RESOLUTION,
      step: 8,
      tooltip: 'Width of the area in pixels.',
    }),
    height: Input.int({
      default: 64,
      min: 64,
      max: MAX_RESOLUTION,
      step: 8,
      tooltip: 'Height of the area in pixels.',
    }),
    x: Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8, tooltip: 'Left edge in pixels.' }),
    y: Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8, tooltip: 'Top edge in pixels.' }),
    strength: Input.float({
      default: 1,
      min: 0,
      max: 10,
      step: 0.01,
      tooltip: 'Weight against the other entries.',
    }),
  },
  outputs: OUTPUT,
  run: (_ctx, { conditioning, width, height, x, y, strength }) => [
    setValues(conditioning, {
      area: {
        height: Math.floor(height / 8),
        width: Math.floor(width / 8),
        y: Math.floor(y / 8),
        x: Math.floor(x / 8),
      },
      strength,
      setAreaToBounds: false,
    }),
  ],
});

const SET_COND_AREA = ['default', 'mask bounds'] as const;

/** ComfyUI's ConditioningSetMask. */
export const ConditioningSetMask = defineNode({
  type: 'ConditioningSetMask',
  displayName: 'Conditioning (Set Mask)',
  category: 'conditioning',
  description: 'Applies the conditioning where the mask is, weighted by its values and a strength.',
  concurrent: true,
  inputs: {
    conditioning: Input.link('CONDITIONING', { tooltip: 'The conditioning to place.' }),
    mask: Input.link('MASK', { tooltip: 'Where it applies (resized to the latent).' }),
    strength: Input.float({ default: 1, min: 0, max: 10, step: 0.01, tooltip: 'Factor on the mask.' }),
    set_cond_area: Input.combo({
      options: SET_COND_AREA,
      default: 'default',
      tooltip:
        "'mask bounds': evaluate the conditioning only on the mask's bounding box (faster, more detail there).",
    }),
  },
  outputs: OUTPUT,
  run: (_ctx, { conditioning, mask, strength, set_cond_area }) => [
    setValues(conditioning, {
      mask: requireMask(mask, "ConditioningSetMask input 'mask'"),
      setAreaToBounds: set_cond_area !== 'default',
      maskStrength: strength,
    }),
  ],
});

/**
 * ConditioningCombine, ConditioningAverage, ConditioningZeroOut, ConditioningSetArea, ConditioningSetMask.
 * @example
 * const registry = createNodeRegistry(CONDITIONING_NODES);
 */
export const CONDITIONING_NODES = [
  ConditioningCombine,
  ConditioningAverage,
  ConditioningZeroOut,
  ConditioningSetArea,
  ConditioningSetMask,
] as const;
