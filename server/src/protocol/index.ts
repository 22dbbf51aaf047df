/**
 * @module
 * The wire protocol shared with clients (`@momaflow/server/protocol`): WebSocket messages and binary
 * preview frames. Browser-safe: it reaches only zod and the engine's protocol types, so the editor
 * bundles it (`browser-safe.test.ts` keeps it so).
 * @example
 * import { decodePreviewFrame, type WireMessage } from '@momaflow/server/protocol';
 */
export type { ClientMessage } from './client-message';
export { zClientId, zClientMessage } from './client-message';
export { BINARY_EVENT, decodePreviewFrame, encodePreviewFrame, PREVIEW_FORMAT_CODES } from './preview-frame';
export { promptDoneMessage, statusMessage, toWireMessage } from './to-wire-message';
export type { WireMessage, WireMessageOf, WireMessageType, WireStatus } from './wire-message';
