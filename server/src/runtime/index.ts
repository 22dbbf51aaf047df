/** @module The shared runtime of the CLI and the server. */

export type { Runtime, RuntimeOptions } from './runtime';
export { createRuntime, resolveDirectories } from './runtime';
