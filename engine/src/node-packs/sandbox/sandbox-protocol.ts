/**
 * @module
 * The messages between the server and a pack's sandbox process. The child runs untrusted code, so the
 * server parses everything it sends with these schemas; the child trusts the server.
 */
import { z } from 'zod';

/** A node definition as data: functions stay in the child, flags say which hooks it has. */
export const zNodeDescriptor = z.object({
  type: z.string().min(1).max(200),
  category: z.string().max(200),
  displayName: z.string().max(200).optional(),
  description: z.string().max(10_000).optional(),
  /** Input specs as data; a COMBO whose options are computed has `options: { $dynamic: true }`. */
  inputs: z.array(z.tuple([z.string().min(1).max(200), z.looseObject({ kind: z.string() })])),
  outputs: z.array(
    z.object({
      type: z.string().min(1).max(200),
      name: z.string().max(200).optional(),
      tooltip: z.string().max(2000).optional(),
    }),
  ),
  output: z.boolean().optional(),
  concurrent: z.boolean().optional(),
  notIdempotent: z.boolean().optional(),
  deprecated: z.boolean().optional(),
  hooks: z.object({ fingerprint: z.boolean(), validate: z.boolean() }),
});
export type NodeDescriptor = z.infer<typeof zNodeDescriptor>;

export const zSandboxError = z.object({
  name: z.string().max(200).optional(),
  message: z.string().max(100_000),
  code: z.string().max(200).optional(),
  /** Set by Node's permission model (`FileSystemRead`, `FileSystemWrite`, `ChildProcess`, `WorkerThreads`). */
  permission: z.string().max(200).optional(),
  resource: z.string().max(10_000).optional(),
});
export type SandboxError = z.infer<typeof zSandboxError>;

const zCallId = z.number().int().nonnegative();

export const zChildMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    pack: z.object({
      name: z.string().optional(),
      version: z.string().optional(),
      description: z.string().optional(),
      sockets: z.array(z.unknown()).optional(),
      examples: z.array(z.unknown()).optional(),
      nodes: z.array(zNodeDescriptor),
    }),
  }),
  z.object({ type: z.literal('fatal'), error: zSandboxError }),
  z.object({
    type: z.literal('progress'),
    call: zCallId,
    value: z.number(),
    max: z.number(),
    preview: z
      .object({ format: z.enum(['JPEG', 'PNG', 'WEBP']), bytes: z.instanceof(Uint8Array) })
      .optional(),
  }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string().max(100_000),
    data: z.looseObject({}).optional(),
  }),
  z.object({ type: z.literal('result'), call: zCallId, value: z.unknown() }),
  z.object({ type: z.literal('error'), call: zCallId, error: zSandboxError }),
]);
export type ChildMessage = z.infer<typeof zChildMessage>;

export type SandboxHook = 'run' | 'fingerprint' | 'validate' | 'options';

/** What the server sends the child. */
export type ParentMessage =
  | {
      readonly type: 'call';
      readonly call: number;
      readonly node: string;
      readonly hook: SandboxHook;
      /** For `options`: the COMBO input whose options to compute. */
      readonly input?: string;
      /** `run`: the node's inputs; `fingerprint`/`validate`: its literal values. */
      readonly values: Readonly<Record<string, unknown>>;
      readonly nodeId?: string;
      readonly promptId?: string;
    }
  | { readonly type: 'abort'; readonly call: number };
