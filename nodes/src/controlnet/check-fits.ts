/**
 * @module
 * Whether a ControlNet was made for the MODEL it is sampled with: its residuals must match the UNet's
 * skips one for one (count, channels, resolution), and it must read the same latents and text width.
 * A ControlNet for another base model (SDXL, SD2 with another text width, a pruned UNet) is refused
 * before any step, naming both.
 */
import { EngineError } from '@momaflow/engine';
import type { UnetLayout, UnetModel } from '../models/unet';
import type { ControlNetHandle } from './control-types';

function describeLayout(layout: UnetLayout): string {
  const skips = layout.skips.map((s) => `${s.channels}@1/${s.resolution}`).join(', ');
  const { config } = layout;
  return `${config.inChannels} latent channels, text width ${config.crossAttentionDim}, skips [${skips}], mid ${layout.mid.channels}`;
}

function fits(control: UnetLayout, model: UnetLayout): boolean {
  return (
    control.config.inChannels === model.config.inChannels &&
    control.config.crossAttentionDim === model.config.crossAttentionDim &&
    control.mid.channels === model.mid.channels &&
    control.skips.length === model.skips.length &&
    control.skips.every(
      (s, i) => s.channels === model.skips[i]?.channels && s.resolution === model.skips[i]?.resolution,
    )
  );
}

/**
 * @throws EngineError `controlnet_model_mismatch` naming the ControlNet's file and both shapes.
 * @example
 * checkControlNetFits(handle, model, 'KSampler');
 */
export function checkControlNetFits(handle: ControlNetHandle, model: UnetModel, label: string): void {
  const control = handle.model.layout;
  if (fits(control, model.layout)) return;
  throw new EngineError(
    'controlnet_model_mismatch',
    `${label}: ControlNet '${handle.name}' (${handle.model.origin}) was made for another base model: it has ${describeLayout(control)}; the MODEL has ${describeLayout(model.layout)}`,
    { controlnet: handle.model.origin },
  );
}
