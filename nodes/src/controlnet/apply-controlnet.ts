/**
 * @module
 * Apply ControlNet, ComfyUI's `ControlNetApplyAdvanced` (positive and negative, strength, start /
 * end percent) and its legacy `ControlNetApply` (one conditioning, strength): each attaches the
 * ControlNet, the hint and its settings to every entry, chained after whatever ControlNet the entry
 * already had, and returns new CONDITIONING (the inputs are never changed). Strength 0 returns the
 * inputs as they are, as ComfyUI does. The sampler runs the ControlNets (control-run.ts).
 */
import { defineNode, EngineError, Input } from '@momaflow/engine';
import type { Conditioning } from '../diffusion/diffusion-types';
import { requireImage } from '../image/tensor-checks';
import type { ControlApplication, ControlSettings } from './control-types';

/**
 * `conditionings` with the ControlNet attached to every entry. Entries that had the same previous
 * ControlNet share one application across all of them (ComfyUI's `cnets` map), so the sampler runs it
 * once for their rows together.
 * @example
 * const [positive, negative] = applyControl([pos, neg], { controlNet, hint, strength: 1, startPercent: 0, endPercent: 1, applyToUncond: false });
 */
export function applyControl(
  conditionings: readonly Conditioning[],
  settings: ControlSettings,
): Conditioning[] {
  const shared = new Map<ControlApplication | undefined, ControlApplication>();
  const applied = (previous: ControlApplication | undefined): ControlApplication => {
    const known = shared.get(previous);
    if (known !== undefined) return known;
    const app: ControlApplication = Object.freeze({ ...settings, previous });
    shared.set(previous, app);
    return app;
  };
  return conditionings.map((cond) => cond.map((entry) => ({ ...entry, control: applied(entry.control) })));
}

const STRENGTH = Input.float({
  default: 1,
  min: 0,
  max: 10,
  step: 0.01,
  tooltip: 'How strongly the hint steers the image; 0 leaves the conditioning unchanged.',
});

const label = (node: string, input: string) => `${node} input '${input}'`;

/** ComfyUI's ControlNetApplyAdvanced ("Apply ControlNet"). */
export const ControlNetApplyAdvanced = defineNode({
  type: 'ControlNetApplyAdvanced',
  displayName: 'Apply ControlNet',
  category: 'conditioning/controlnet',
  description:
    'Steers sampling with a ControlNet and a hint image (edges, lines, ...): attached to both the positive and the negative conditioning, for part of the schedule.',
  inputs: {
    positive: Input.link('CONDITIONING'),
    negative: Input.link('CONDITIONING'),
    control_net: Input.link('CONTROL_NET'),
    image: Input.link('IMAGE', { tooltip: 'The hint; resized to the sampled image when it differs.' }),
    strength: STRENGTH,
    start_percent: Input.float({
      default: 0,
      min: 0,
      max: 1,
      step: 0.001,
      tooltip: 'Where in the schedule the ControlNet starts acting (0 = the first step).',
    }),
    end_percent: Input.float({
      default: 1,
      min: 0,
      max: 1,
      step: 0.001,
      tooltip: 'Where in the schedule it stops acting (1 = the last step).',
    }),
    // ComfyUI's optional input, for ControlNets whose hint is a latent (SD3, Flux); SD1.x ControlNets
    // read pixels, so it is accepted (ComfyUI workflows connect it) and not used.
    vae: Input.link('VAE', { optional: true, tooltip: 'Not used by SD1.x ControlNets.' }),
  },
  outputs: [
    { type: 'CONDITIONING', name: 'positive' },
    { type: 'CONDITIONING', name: 'negative' },
  ],
  run: (_ctx, i) => {
    if (i.strength === 0) return [i.positive, i.negative];
    if (i.start_percent > i.end_percent) {
      throw new EngineError(
        'invalid_input',
        `ControlNetApplyAdvanced: 'start_percent' (${i.start_percent}) must not exceed 'end_percent' (${i.end_percent})`,
      );
    }
    const [positive, negative] = applyControl([i.positive, i.negative], {
      controlNet: i.control_net,
      hint: requireImage(i.image, label('ControlNetApplyAdvanced', 'image')),
      strength: i.strength,
      startPercent: i.start_percent,
      endPercent: i.end_percent,
      applyToUncond: false,
    });
    return [positive!, negative!];
  },
});

/** ComfyUI's legacy ControlNetApply ("Apply ControlNet (OLD)"). */
export const ControlNetApply = defineNode({
  type: 'ControlNetApply',
  displayName: 'Apply ControlNet (OLD)',
  category: 'conditioning/controlnet',
  description:
    'The older Apply ControlNet: one conditioning, the whole schedule. The sampler also applies it to a negative conditioning that has no ControlNet, as ComfyUI does.',
  inputs: {
    conditioning: Input.link('CONDITIONING'),
    control_net: Input.link('CONTROL_NET'),
    image: Input.link('IMAGE', { tooltip: 'The hint; resized to the sampled image when it differs.' }),
    strength: STRENGTH,
  },
  outputs: [{ type: 'CONDITIONING', name: 'CONDITIONING' }],
  run: (_ctx, i) => {
    if (i.strength === 0) return [i.conditioning];
    const hint = requireImage(i.image, label('ControlNetApply', 'image'));
    // ComfyUI copies the ControlNet per entry here: no sharing between entries.
    const conditioning = i.conditioning.map(
      (entry) =>
        applyControl([[entry]], {
          controlNet: i.control_net,
          hint,
          strength: i.strength,
          startPercent: 0,
          endPercent: 1,
          applyToUncond: true,
        })[0]![0]!,
    );
    return [conditioning];
  },
});
