/**
 * @module
 * Noise schedules, samplers (k-diffusion / ComfyUI semantics plus diffusers DDIM), the sampling loop,
 * classifier-free guidance and torch-compatible seeded noise.
 */

export type { BetaScheduleOptions } from './beta-schedule';
export { betaSigmas } from './beta-schedule';
export type { BrownianNoiseOptions, BrownianTreeOptions } from './brownian-tree';
export { BrownianTree, brownianNoiseSource } from './brownian-tree';
export { cfgCombine } from './cfg-combine';
export type { DdimDiffusersOptions } from './ddim-diffusers-sampler';
export { createDdimDiffusersSampler } from './ddim-diffusers-sampler';
export type { DdimTimestepsOptions } from './ddim-diffusers-timesteps';
export { ddimDiffusersTimesteps } from './ddim-diffusers-timesteps';
export { ddpmSampler } from './ddpm-sampler';
export { createDeisSampler, deisSampler } from './deis-sampler';
export type { DiscreteSchedule, DiscreteScheduleOptions } from './discrete-schedule';
export {
  createDiscreteSchedule,
  SD1_SCHEDULE,
  sigmaToT,
  sigmaToTimestep,
  tToSigma,
} from './discrete-schedule';
export { createDpm2AncestralSampler, dpm2AncestralSampler, dpm2Sampler } from './dpm2-sampler';
export { dpmpp2mSampler } from './dpmpp-2m-sampler';
export { createDpmpp2sAncestralSampler, dpmpp2sAncestralSampler } from './dpmpp-2s-ancestral-sampler';
export type { DpmppMultistepSdeOptions, MultistepSdeSolver } from './dpmpp-multistep-sde-sampler';
export {
  createDpmppMultistepSdeSampler,
  dpmpp2mSdeHeunSampler,
  dpmpp2mSdeSampler,
  dpmpp3mSdeSampler,
} from './dpmpp-multistep-sde-sampler';
export type { DpmppSdeOptions } from './dpmpp-sde-sampler';
export { createDpmppSdeSampler, dpmppSdeSampler } from './dpmpp-sde-sampler';
export { denoisedFromEpsilon, scaleModelInput } from './eps-parameterization';
export type { AncestralOptions } from './euler-ancestral-sampler';
export { createEulerAncestralSampler, eulerAncestralSampler } from './euler-ancestral-sampler';
export { ddimSampler, eulerSampler } from './euler-sampler';
export { heunSampler } from './heun-sampler';
export type { InitialLatentOptions } from './initial-latent';
export { initialLatent } from './initial-latent';
export { createIpndmSampler, ipndmSampler } from './ipndm-sampler';
export { lcmSampler } from './lcm-sampler';
export { createLmsSampler, lmsSampler } from './lms-sampler';
export type { Seed, TorchRandnOptions } from './noise';
export { generatorNoiseSource, TorchCpuGenerator, torchRandn } from './noise';
export type { CalculateSigmasOptions, Scheduler, SchedulerName } from './noise-schedules';
export {
  calculateSigmas,
  ddimUniformSigmas,
  normalSigmas,
  SCHEDULER_NAMES,
  SCHEDULERS,
  sgmUniformSigmas,
  simpleSigmas,
} from './noise-schedules';
export type { KarrasOptions, SigmaRange } from './range-schedules';
export {
  exponentialSigmas,
  karrasSigmas,
  klOptimalSigmas,
  linearQuadraticSigmas,
} from './range-schedules';
export type { Denoiser, NoiseRequest, NoiseSource, SampleOptions, StepProgress } from './sample';
export { sample } from './sample';
export type {
  InitialStateOptions,
  ModelPrediction,
  ModelQuery,
  NoiseInterval,
  NoiseLevelDomain,
  Sampler,
  SamplerState,
  StepInput,
  StepStage,
} from './sampler';
export { initialSamplerState } from './sampler';
export type { KSamplerName } from './samplers';
export { BROWNIAN_NOISE_SAMPLERS, K_SAMPLER_NAMES, K_SAMPLERS } from './samplers';
export type { UniPcVariant } from './unipc-sampler';
export { createUniPcSampler, uniPcBh2Sampler, uniPcSampler } from './unipc-sampler';
