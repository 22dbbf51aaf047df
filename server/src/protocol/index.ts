/** @module The wire protocol shared with clients: WebSocket messages and binary preview frames. */
export type { ClientMessage } from './client-message';
export { zClientId, zClientMessage } from './client-message';
export { BINARY_EVENT, decodePreviewFrame, encodePreviewFrame, PREVIEW_FORMAT_CODES } from './preview-frame';
export { promptDoneMessage, statusMessage, toWireMessage } from './to-wire-message';
export type { WireMessage, WireMessageOf, WireMessageType, WireStatus } from './wire-message';
