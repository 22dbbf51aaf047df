/**
 * @module
 * The k-diffusion samplers by ComfyUI name, for KSampler-style nodes that combine any of them with any
 * scheduler of `SCHEDULERS`. diffusers DDIM is not listed: it brings its own timestep spacing
 * (`ddimDiffusersTimesteps`) and is built with `createDdimDiffusersSampler`.
 */

import { dpmpp2mSampler } from './dpmpp-2m-sampler';
import { eulerAncestralSampler } from './euler-ancestral-sampler';
import { ddimSampler, eulerSampler } from './euler-sampler';
import type { Sampler } from './sampler';

/** Sampler names, spelled as ComfyUI's `KSAMPLER_NAMES` (the subset momaflow implements). */
export const K_SAMPLER_NAMES = ['euler', 'euler_ancestral', 'dpmpp_2m', 'ddim'] as const;
export type KSamplerName = (typeof K_SAMPLER_NAMES)[number];

/**
 * Every k-diffusion sampler by name.
 * @example
 * const sampler = K_SAMPLERS[inputs.sampler_name];
 */
export const K_SAMPLERS = {
  euler: eulerSampler,
  euler_ancestral: eulerAncestralSampler,
  dpmpp_2m: dpmpp2mSampler,
  ddim: ddimSampler,
} as const satisfies Record<KSamplerName, Sampler>;
