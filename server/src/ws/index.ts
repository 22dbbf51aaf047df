/** @module WebSocket events: the client registry and frame routing with backpressure. */
export type { ClientHub, ClientSocket, HubClient, HubLimits, HubStats } from './client-hub';
export { createClientHub } from './client-hub';
