/** @module The shared runtime of the CLI and the server. */
export { createRuntime, resolveDirectories } from './runtime';
export type { Runtime, RuntimeOptions } from './runtime';
