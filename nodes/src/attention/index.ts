/**
 * @module
 * Generic attention-injection patches and their pieces, which MoMA composes and IP-Adapter or
 * InstantFamily-style methods reuse: decoupled image-prompt cross-attention, reference self-attention
 * from a reference pass, and a mask generated from cross-attention maps of chosen prompt words.
 */
export type { AttentionAdapter } from './attention-adapter';
export { ADAPTER_WEIGHTS, loadAttentionAdapter } from './attention-adapter';
export { AttentionMapMask } from './attention-map-mask-node';
export type { AttentionMapPatch, AttentionMapPatchOptions } from './attention-map-patch';
export { attentionMapPatch } from './attention-map-patch';
export { ATTENTION_NODES } from './attention-nodes';
export type { DecoupledEntry, DecoupledWeights } from './decoupled-weights';
export { decoupledPatchWeights, decoupledWeights, fittedEntries } from './decoupled-weights';
export { GeneratedMask } from './generated-mask-node';
export { ImagePromptAttention } from './image-prompt-attention-node';
export type { ImagePromptPatchOptions } from './image-prompt-patch';
export { imagePromptPatch } from './image-prompt-patch';
export type { MaskSourceName } from './injection-inputs';
export { INJECTION_INPUTS, injectionMaskFrom, injectionRange, MASK_SOURCES } from './injection-inputs';
export type { GeneratedMaskSource, InjectionMask } from './injection-mask';
export { injectionMaskFeed, NO_MASK, rowMasks } from './injection-mask';
export type { LayerSelection } from './layer-selection';
export { LAYER_SELECTION_NAMES, LAYER_SELECTIONS } from './layer-selection';
export { generatedMaskSource, uniquePatchId } from './patch-lookup';
export { ReferenceAttention } from './reference-attention-node';
export type { ReferenceAttentionPatchOptions } from './reference-attention-patch';
export { referenceAttentionPatch } from './reference-attention-patch';
export type { ReferenceInputsOptions } from './reference-image';
export { REFERENCE_SIZE, referenceImage, referenceInputs } from './reference-image';
export { compactReference, keptPositions } from './reference-keys';
export type { ReferenceSampleOptions } from './reference-latent';
export { REFERENCE_LATENTS, referenceLatent, referenceSample } from './reference-latent';
export type { AlignedReferenceMask } from './reference-mask';
export { alignReferenceMask } from './reference-mask';
export type { GeneratedSubjectMaskOptions, LayerSubjectMap } from './subject-mask';
export { generatedSubjectMask } from './subject-mask';
export type { TimestepRange } from './timestep-range';
export { isInRange, timestepRangeFromFractions, WHOLE_SCHEDULE } from './timestep-range';
export { wordTokenIds } from './word-tokens';
