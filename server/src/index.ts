/** @module The momaflow application: runtime, CLI, HTTP API and WebSocket events. */

export * from './protocol';
export * from './runtime';
export * from './serve';
export * from './store';
