/**
 * @module
 * LoRA files as people publish them (kohya / A1111, LyCORIS LoCon, diffusers / PEFT): which weights
 * their modules patch, a plan checked from the file's header, and the plan as a weight patch of low-rank
 * deltas whose strength is a graph input.
 */
export type { LoraPatchOptions } from './lora-patch';
export { loraPatch } from './lora-patch';
export type { LoraComponent, LoraTarget, LoraTargetModels } from './lora-targets';
export { clipTextShapes, loraTargets, unetLdmModules } from './lora-targets';
export type { LoraModule, LoraPlan } from './read-lora';
export { loraModulesOf, readLora } from './read-lora';
export type { TinyLoraFormat, TinyLoraModels } from './tiny-loras';
export { tinyLoraTensors } from './tiny-loras';
