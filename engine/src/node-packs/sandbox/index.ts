/** @module The sandbox for untrusted node packs: one Node process per pack under the permission model. */

export type { PackSandboxOptions } from './pack-sandbox';
export { createPackSandbox } from './pack-sandbox';
export type { SandboxArgsOptions } from './sandbox-args';
export { sandboxArgs } from './sandbox-args';
