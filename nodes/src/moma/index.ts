/**
 * @module
 * The MoMA node pack: loading MoMA's adapter file (MOMA_ADAPTER) and applying MoMA to a MODEL.
 */
export { listMomaAdapters, MOMA_ATTENTION_SECTION, MoMAAdapterLoader } from './moma-adapter-loader';
export { MoMAApply } from './moma-apply';
export { MOMA_NODES } from './moma-nodes';
export type { MomaMode, MomaPatchOptions } from './moma-patches';
export { MOMA_MODES, MOMA_PATCH_IDS, MOMA_SETTINGS, momaPatches } from './moma-patches';
export { momaPrompt } from './moma-prompt';
export type { MomaAdapter } from './moma-types';
