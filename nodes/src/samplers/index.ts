/**
 * @module
 * Noise schedules, samplers (k-diffusion / ComfyUI semantics plus diffusers DDIM), the sampling loop,
 * classifier-free guidance and torch-compatible seeded noise.
 */

export type { BetaScheduleOptions } from './beta-schedule';
export { betaSigmas } from './beta-schedule';
export { cfgCombine } from './cfg-combine';
export type { DdimDiffusersOptions } from './ddim-diffusers-sampler';
export { createDdimDiffusersSampler } from './ddim-diffusers-sampler';
export type { DdimTimestepsOptions } from './ddim-diffusers-timesteps';
export { ddimDiffusersTimesteps } from './ddim-diffusers-timesteps';
export type { DiscreteSchedule, DiscreteScheduleOptions } from './discrete-schedule';
export {
  createDiscreteSchedule,
  SD1_SCHEDULE,
  sigmaToT,
  sigmaToTimestep,
  tToSigma,
} from './discrete-schedule';
export { dpmpp2mSampler } from './dpmpp-2m-sampler';
export { denoisedFromEpsilon, scaleModelInput } from './eps-parameterization';
export type { AncestralOptions } from './euler-ancestral-sampler';
export { createEulerAncestralSampler, eulerAncestralSampler } from './euler-ancestral-sampler';
export { ddimSampler, eulerSampler } from './euler-sampler';
export type { InitialLatentOptions } from './initial-latent';
export { initialLatent } from './initial-latent';
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
  NoiseLevelDomain,
  Sampler,
  SamplerState,
  StepInput,
} from './sampler';
export { initialSamplerState } from './sampler';
export type { KSamplerName } from './samplers';
export { K_SAMPLER_NAMES, K_SAMPLERS } from './samplers';
