/**
 * @module
 * KSampler, ComfyUI's node: denoises a LATENT with a MODEL under positive / negative CONDITIONING.
 * Noise follows ComfyUI exactly: `torch.randn(latent.shape, generator=manual_seed(seed))` on the CPU
 * for the start, and for ancestral samplers a second generator seeded the same way for the per-step
 * noise (`k_diffusion` `default_noise_sampler`), so a seed gives ComfyUI's image for the same weights;
 * the SDE samplers' Brownian-tree noise is momaflow's own (see brownian-tree.ts). Honours the
 * LATENT's noise mask (inpainting). Reports progress every step with a latent preview, and stops
 * between steps when interrupted.
 */
import { defineNode, Input, MAX_SEED } from '@momaflow/engine';
import { SCHEDULER_NAMES } from '../samplers';
import { runKSampler } from './run-ksampler';
import { SAMPLER_NAMES } from './sampler-plans';

/** ComfyUI's KSampler. */
export const KSampler = defineNode({
  type: 'KSampler',
  displayName: 'KSampler',
  category: 'sampling',
  description:
    'Denoises the latent image with the model, guided by the positive and negative conditioning (classifier-free guidance).',
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The model used for denoising the latent.' }),
    seed: Input.seed({ default: 0, tooltip: 'The seed of the noise; the same seed gives the same image.' }),
    steps: Input.int({ default: 20, min: 1, max: 10000, tooltip: 'The number of denoising steps.' }),
    cfg: Input.float({
      default: 8,
      min: 0,
      max: 100,
      step: 0.1,
      round: 0.01,
      tooltip:
        'Classifier-free guidance scale: higher follows the prompt more closely; too high burns the image. 1 skips the negative pass.',
    }),
    sampler_name: Input.combo({
      options: SAMPLER_NAMES,
      default: 'euler',
      tooltip:
        "The sampling algorithm. 'ddim_diffusers' is diffusers' DDIM as MoMA runs it and ignores the scheduler.",
    }),
    scheduler: Input.combo({
      options: SCHEDULER_NAMES,
      default: 'normal',
      tooltip: 'How the noise levels are spaced over the steps.',
    }),
    positive: Input.link('CONDITIONING', { tooltip: 'What the image should show.' }),
    negative: Input.link('CONDITIONING', { tooltip: 'What the image should not show.' }),
    latent_image: Input.link('LATENT', {
      tooltip: 'The latent to denoise: empty for txt2img, encoded for img2img.',
    }),
    denoise: Input.float({
      default: 1,
      min: 0,
      max: 1,
      step: 0.01,
      tooltip:
        'How much of the schedule to run: 1 replaces the latent, lower values keep more of it (img2img).',
    }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The denoised latent.' }],
  run: async (ctx, i) => [
    await runKSampler({
      ctx,
      model: i.model,
      seed: Math.min(i.seed, MAX_SEED),
      steps: i.steps,
      cfg: i.cfg,
      samplerName: i.sampler_name,
      scheduler: i.scheduler,
      positive: i.positive,
      negative: i.negative,
      latent: i.latent_image,
      denoise: i.denoise,
      label: 'KSampler',
    }),
  ],
});
