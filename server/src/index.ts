/** @module The momaflow application: runtime, CLI, HTTP API and WebSocket events. */
export * from './runtime';
