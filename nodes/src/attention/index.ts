/**
 * @module
 * Generic attention-injection patches and their pieces, which MoMA composes and IP-Adapter or
 * InstantFamily-style methods reuse: decoupled image-prompt cross-attention, reference self-attention
 * from a reference pass, and a mask generated from cross-attention maps of chosen prompt words.
 */
export type { AttentionMapPatch, AttentionMapPatchOptions } from './attention-map-patch';
export { attentionMapPatch } from './attention-map-patch';
export type { DecoupledEntry, DecoupledWeights } from './decoupled-weights';
export { decoupledPatchWeights, decoupledWeights, fittedEntries } from './decoupled-weights';
export type { ImagePromptPatchOptions } from './image-prompt-patch';
export { imagePromptPatch } from './image-prompt-patch';
export type { GeneratedMaskSource, InjectionMask } from './injection-mask';
export { injectionMaskFeed, NO_MASK, rowMasks } from './injection-mask';
export type { LayerSelection } from './layer-selection';
export { LAYER_SELECTION_NAMES, LAYER_SELECTIONS } from './layer-selection';
export type { ReferenceAttentionPatchOptions } from './reference-attention-patch';
export { referenceAttentionPatch } from './reference-attention-patch';
export { compactReference, keptPositions } from './reference-keys';
export type { GeneratedSubjectMaskOptions, LayerSubjectMap } from './subject-mask';
export { generatedSubjectMask } from './subject-mask';
export type { TimestepRange } from './timestep-range';
export { isInRange, timestepRangeFromFractions, WHOLE_SCHEDULE } from './timestep-range';
