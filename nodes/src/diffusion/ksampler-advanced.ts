/**
 * @module
 * KSamplerAdvanced, ComfyUI's node: KSampler with control over the start noise and a window of the
 * schedule (start_at_step .. end_at_step), so one run can stop with noise left for another to finish
 * (refiner-style chains); the steps count the whole schedule either way.
 */
import { defineNode, Input, MAX_SEED } from '@momaflow/engine';
import { SCHEDULER_NAMES } from '../samplers';
import { runKSampler } from './run-ksampler';
import { SAMPLER_NAMES } from './sampler-plans';

const ON_OFF = ['enable', 'disable'] as const;
const OFF_ON = ['disable', 'enable'] as const;

/** ComfyUI's KSamplerAdvanced. */
export const KSamplerAdvanced = defineNode({
  type: 'KSamplerAdvanced',
  displayName: 'KSampler (Advanced)',
  category: 'sampling',
  description:
    'KSampler that can skip the start noise and run only steps start_at_step to end_at_step of the schedule, optionally returning the latent with its leftover noise.',
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The model used for denoising the latent.' }),
    add_noise: Input.combo({
      options: ON_OFF,
      default: 'enable',
      tooltip: 'disable: start from the latent as it is (it already carries noise from an earlier run).',
    }),
    noise_seed: Input.seed({ default: 0, tooltip: 'The seed of the noise.' }),
    steps: Input.int({ default: 20, min: 1, max: 10000, tooltip: 'Steps of the whole schedule.' }),
    cfg: Input.float({
      default: 8,
      min: 0,
      max: 100,
      step: 0.1,
      round: 0.01,
      tooltip: 'Classifier-free guidance scale.',
    }),
    sampler_name: Input.combo({
      options: SAMPLER_NAMES,
      default: SAMPLER_NAMES[0],
      tooltip: 'The sampling algorithm.',
    }),
    scheduler: Input.combo({
      options: SCHEDULER_NAMES,
      default: SCHEDULER_NAMES[0],
      tooltip: 'How the noise levels are spaced over the steps.',
    }),
    positive: Input.link('CONDITIONING', { tooltip: 'What the image should show.' }),
    negative: Input.link('CONDITIONING', { tooltip: 'What the image should not show.' }),
    latent_image: Input.link('LATENT', { tooltip: 'The latent to denoise.' }),
    start_at_step: Input.int({
      default: 0,
      min: 0,
      max: 10000,
      tooltip: 'First step of the schedule to run.',
    }),
    end_at_step: Input.int({
      default: 10000,
      min: 0,
      max: 10000,
      tooltip: 'Step of the schedule to stop at.',
    }),
    return_with_leftover_noise: Input.combo({
      options: OFF_ON,
      default: 'disable',
      tooltip: 'enable: when stopping early, return the noisy latent; disable: finish to a clean latent.',
    }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The denoised latent.' }],
  run: async (ctx, i) => [
    await runKSampler({
      ctx,
      model: i.model,
      seed: Math.min(i.noise_seed, MAX_SEED),
      steps: i.steps,
      cfg: i.cfg,
      samplerName: i.sampler_name,
      scheduler: i.scheduler,
      positive: i.positive,
      negative: i.negative,
      latent: i.latent_image,
      denoise: 1,
      addNoise: i.add_noise === 'enable',
      window: {
        start: i.start_at_step,
        end: i.end_at_step,
        forceFullDenoise: i.return_with_leftover_noise === 'disable',
      },
      label: 'KSamplerAdvanced',
    }),
  ],
});
