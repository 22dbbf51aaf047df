/**
 * @module
 * The MoMA node pack: loading MoMA's adapter file (MOMA_ADAPTER).
 */
export { listMomaAdapters, MoMAAdapterLoader } from './moma-adapter-loader';
export { MOMA_NODES } from './moma-nodes';
export type { MomaAdapter } from './moma-types';
