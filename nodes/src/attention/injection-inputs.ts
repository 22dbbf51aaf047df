/**
 * @module
 * The inputs injection nodes share (mask and mask source, start and end of the schedule) and how
 * they turn into an `InjectionMask` and a `TimestepRange`.
 */
import { EngineError, Input, type Tensor } from '@momaflow/engine';
import { requireMask } from '../image/tensor-checks';
import type { UnetModel } from '../models/unet';
import type { InjectionMask } from './injection-mask';
import { generatedMaskSource } from './patch-lookup';
import { type TimestepRange, timestepRangeFromFractions } from './timestep-range';

/** Where an injection's mask comes from. */
export const MASK_SOURCES = ['none', 'mask', 'generated'] as const;
export type MaskSourceName = (typeof MASK_SOURCES)[number];

/** The inputs, spread into a node's inputs. */
export const INJECTION_INPUTS = {
  mask: Input.link('MASK', { optional: true, tooltip: "Where to apply, with mask_source 'mask'." }),
  mask_source: Input.combo({
    options: MASK_SOURCES,
    default: 'none',
    tooltip:
      "Where the injection applies: 'none' everywhere, 'mask' inside the mask input, 'generated' where the model's attention-map patch finds the subject at each step.",
  }),
  start_at: Input.float({
    default: 0,
    min: 0,
    max: 1,
    step: 0.01,
    tooltip: 'Fraction of the denoising where the injection starts.',
  }),
  end_at: Input.float({
    default: 1,
    min: 0,
    max: 1,
    step: 0.01,
    tooltip: 'Fraction of the denoising where the injection ends.',
  }),
} as const;

/**
 * The injection mask the widgets choose.
 * @throws EngineError naming the node's inputs when 'mask' has no mask or 'generated' no source.
 * @example
 * const mask = injectionMaskFrom({ node: 'ImagePromptAttention', model, source: i.mask_source, mask: i.mask });
 */
export function injectionMaskFrom(o: {
  readonly node: string;
  readonly model: UnetModel;
  readonly source: MaskSourceName;
  readonly mask: Tensor<'float32'> | undefined;
}): InjectionMask {
  switch (o.source) {
    case 'none':
      return { kind: 'none' };
    case 'mask':
      if (o.mask === undefined) {
        throw new EngineError('missing_input', `${o.node} input 'mask': mask_source 'mask' needs a mask`);
      }
      return { kind: 'static', mask: requireMask(o.mask, `${o.node} input 'mask'`) };
    case 'generated':
      return { kind: 'generated', source: generatedMaskSource(o.model, `${o.node} input 'mask_source'`) };
  }
}

/**
 * The timestep range of `start_at` / `end_at`, naming the node on bad values.
 * @example
 * const range = injectionRange('ImagePromptAttention', i.start_at, i.end_at);
 */
export function injectionRange(node: string, startAt: number, endAt: number): TimestepRange {
  try {
    return timestepRangeFromFractions(startAt, endAt);
  } catch (err) {
    throw new EngineError('invalid_range', `${node}: ${(err as Error).message}`);
  }
}
