/**
 * @module
 * The k-diffusion samplers by ComfyUI name, for KSampler-style nodes that combine any of them with any
 * scheduler of `SCHEDULERS`. diffusers DDIM is not listed: it brings its own timestep spacing
 * (`ddimDiffusersTimesteps`) and is built with `createDdimDiffusersSampler`.
 */

import { ddpmSampler } from './ddpm-sampler';
import { deisSampler } from './deis-sampler';
import { dpm2AncestralSampler, dpm2Sampler } from './dpm2-sampler';
import { dpmpp2mSampler } from './dpmpp-2m-sampler';
import { dpmpp2sAncestralSampler } from './dpmpp-2s-ancestral-sampler';
import { dpmpp2mSdeHeunSampler, dpmpp2mSdeSampler, dpmpp3mSdeSampler } from './dpmpp-multistep-sde-sampler';
import { dpmppSdeSampler } from './dpmpp-sde-sampler';
import { eulerAncestralSampler } from './euler-ancestral-sampler';
import { ddimSampler, eulerSampler } from './euler-sampler';
import { heunSampler } from './heun-sampler';
import { ipndmSampler } from './ipndm-sampler';
import { lcmSampler } from './lcm-sampler';
import { lmsSampler } from './lms-sampler';
import type { Sampler } from './sampler';
import { uniPcBh2Sampler, uniPcSampler } from './unipc-sampler';

/**
 * Sampler names, spelled and ordered as ComfyUI's `SAMPLER_NAMES` (the subset momaflow implements:
 * every one that runs an eps-prediction model with one evaluation path; not yet the CFG++ variants,
 * dpm_fast / dpm_adaptive, heunpp2, ipndm_v, res_multistep, gradient_estimation, er_sde, seeds and
 * sa_solver).
 */
export const K_SAMPLER_NAMES = [
  'euler',
  'euler_ancestral',
  'heun',
  'dpm_2',
  'dpm_2_ancestral',
  'lms',
  'dpmpp_2s_ancestral',
  'dpmpp_sde',
  'dpmpp_sde_gpu',
  'dpmpp_2m',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_gpu',
  'dpmpp_2m_sde_heun',
  'dpmpp_2m_sde_heun_gpu',
  'dpmpp_3m_sde',
  'dpmpp_3m_sde_gpu',
  'ddpm',
  'lcm',
  'ipndm',
  'deis',
  'ddim',
  'uni_pc',
  'uni_pc_bh2',
] as const;
export type KSamplerName = (typeof K_SAMPLER_NAMES)[number];

/**
 * ComfyUI's `_gpu` variants differ only in computing their Brownian tree on the GPU (other random
 * numbers for a seed); here they are the same sampler under the alias.
 */
const gpuAlias = (sampler: Sampler, name: KSamplerName): Sampler => ({ ...sampler, name });

/**
 * Every k-diffusion sampler by name.
 * @example
 * const sampler = K_SAMPLERS[inputs.sampler_name];
 */
export const K_SAMPLERS = {
  euler: eulerSampler,
  euler_ancestral: eulerAncestralSampler,
  heun: heunSampler,
  dpm_2: dpm2Sampler,
  dpm_2_ancestral: dpm2AncestralSampler,
  lms: lmsSampler,
  dpmpp_2s_ancestral: dpmpp2sAncestralSampler,
  dpmpp_sde: dpmppSdeSampler,
  dpmpp_sde_gpu: gpuAlias(dpmppSdeSampler, 'dpmpp_sde_gpu'),
  dpmpp_2m: dpmpp2mSampler,
  dpmpp_2m_sde: dpmpp2mSdeSampler,
  dpmpp_2m_sde_gpu: gpuAlias(dpmpp2mSdeSampler, 'dpmpp_2m_sde_gpu'),
  dpmpp_2m_sde_heun: dpmpp2mSdeHeunSampler,
  dpmpp_2m_sde_heun_gpu: gpuAlias(dpmpp2mSdeHeunSampler, 'dpmpp_2m_sde_heun_gpu'),
  dpmpp_3m_sde: dpmpp3mSdeSampler,
  dpmpp_3m_sde_gpu: gpuAlias(dpmpp3mSdeSampler, 'dpmpp_3m_sde_gpu'),
  ddpm: ddpmSampler,
  lcm: lcmSampler,
  ipndm: ipndmSampler,
  deis: deisSampler,
  ddim: ddimSampler,
  uni_pc: uniPcSampler,
  uni_pc_bh2: uniPcBh2Sampler,
} as const satisfies Record<KSamplerName, Sampler>;

/**
 * The samplers whose default noise in ComfyUI is a Brownian tree (`BrownianTreeNoiseSampler`, seeded
 * with the KSampler seed); the other stochastic ones draw independent Gaussians
 * (`default_noise_sampler`).
 * @example
 * const noiseSource = BROWNIAN_NOISE_SAMPLERS.has(name) ? brownianNoiseSource(...) : generatorNoiseSource(...);
 */
export const BROWNIAN_NOISE_SAMPLERS: ReadonlySet<KSamplerName> = new Set<KSamplerName>([
  'dpmpp_sde',
  'dpmpp_sde_gpu',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_gpu',
  'dpmpp_2m_sde_heun',
  'dpmpp_2m_sde_heun_gpu',
  'dpmpp_3m_sde',
  'dpmpp_3m_sde_gpu',
]);
