/**
 * @module
 * Runs untrusted node packs in sandbox processes. Each pack gets its own Node process under the
 * permission model (see sandbox-args); the server registers proxy definitions whose hooks call into it.
 * A pack's nodes then behave as in-process nodes (validation, caching, progress, interruption), while
 * the pack's code can read only its own folder and the data folders its package.json asks for.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EngineError } from '../../errors/engine-error';
import type { Logger } from '../../log/logger';
import type { InputSpec } from '../../node-api/input-specs';
import { type AnyNodeDefinition, defineNode } from '../../node-api/node-definition';
import type { Directories } from '../../node-api/node-env';
import { resolveThreadCount } from '../../onnx/compute-threads';
import type { SandboxLauncher } from '../load-node-packs';
import type { NodePack, PackExample, PackSocketType } from '../node-pack';
import type { PackManifest } from '../pack-manifest';
import { childBundle } from './child-bundle';
import { sandboxArgs } from './sandbox-args';
import { SandboxProcess } from './sandbox-process';
import type { NodeDescriptor, SandboxError } from './sandbox-protocol';

export interface PackSandboxOptions {
  readonly dirs: Directories;
  readonly log: Logger;
  /** V8 heap limit per sandbox process (default 4096 MiB). */
  readonly maxOldSpaceMb?: number;
  /** Where the bundled child script is written (default: `<os temp>/momaflow-sandbox`). */
  readonly cacheDir?: string;
  /** How long an interrupted node may take to stop before its sandbox process is killed (default 5 s). */
  readonly abortGraceMs?: number;
  /**
   * Threads per onnxruntime operator of the packs' node environments (`env.compute.threads`), the
   * application's own. Default: `resolveThreadCount()` here, since the child's environment is empty
   * and it cannot read `MOMAFLOW_THREADS` itself.
   */
  readonly threads?: number;
}

const zStrings = z.array(z.string());
const zProblems = z.array(z.object({ message: z.string(), input: z.string().optional() }));
const zSocketTypes = z.array(
  z.object({ type: z.string(), color: z.string().optional(), description: z.string().optional() }),
);
const zExamples = z.array(z.object({ name: z.string().regex(/^[\w.-]{1,100}$/), workflow: z.unknown() }));

const INPUT_KINDS: ReadonlySet<string> = new Set([
  'link',
  'INT',
  'FLOAT',
  'STRING',
  'BOOLEAN',
  'COMBO',
  'SEED',
]);

const PERMISSION_ACTIONS: Readonly<Record<string, string>> = {
  FileSystemRead: 'reading',
  FileSystemWrite: 'writing',
  ChildProcess: 'starting a child process',
  WorkerThreads: 'starting a worker thread',
};

function describeGrants(manifest: PackManifest): string {
  const read = ['its own folder', ...(manifest.momaflow?.folders.read ?? [])].join(', ');
  const write = manifest.momaflow?.folders.write ?? [];
  return `it may read ${read}${write.length ? ` and write ${write.join(', ')}` : ' and write nothing'}`;
}

function toPackError(packId: string, manifest: PackManifest) {
  return (error: SandboxError): Error => {
    if (error.code === 'ERR_ACCESS_DENIED') {
      const action = Object.hasOwn(PERMISSION_ACTIONS, error.permission ?? '')
        ? PERMISSION_ACTIONS[error.permission ?? '']
        : `using ${error.permission ?? 'a restricted API'}`;
      const resource =
        error.resource && action?.endsWith('ing') && error.permission?.startsWith('FileSystem')
          ? ` '${error.resource}'`
          : '';
      return new EngineError(
        'node_pack_permission_denied',
        `node pack '${packId}' (sandboxed) was denied ${action}${resource}: ${describeGrants(manifest)}`,
        { pack: packId, permission: error.permission, resource: error.resource },
      );
    }
    const code = error.code?.startsWith('node_pack') ? error.code : 'node_pack_error';
    return new EngineError(
      code,
      error.message.includes(packId) ? error.message : `node pack '${packId}': ${error.message}`,
      {
        pack: packId,
      },
    );
  };
}

function proxyInputs(
  descriptor: NodeDescriptor,
  options: (input: string) => Promise<readonly string[]>,
): Record<string, InputSpec> {
  const inputs: Record<string, InputSpec> = Object.create(null);
  for (const [name, raw] of descriptor.inputs) {
    if (raw.lazy === true) {
      throw new EngineError(
        'node_pack_invalid',
        `node '${descriptor.type}' input '${name}': lazy inputs are not supported in sandboxed packs (trust the pack to use them)`,
      );
    }
    if (!INPUT_KINDS.has(raw.kind) || (raw.kind === 'link' && typeof raw.type !== 'string')) {
      throw new EngineError(
        'node_pack_invalid',
        `node '${descriptor.type}' input '${name}': unknown input kind '${raw.kind}'`,
      );
    }
    const dynamic =
      raw.kind === 'COMBO' &&
      typeof raw.options === 'object' &&
      raw.options !== null &&
      !Array.isArray(raw.options);
    // Checked further by defineNode (defaults within ranges, static options) below.
    inputs[name] = (dynamic ? { ...raw, options: () => options(name) } : raw) as unknown as InputSpec;
  }
  return inputs;
}

function proxyDefinition(descriptor: NodeDescriptor, process: SandboxProcess): AnyNodeDefinition {
  const node = descriptor.type;
  const options = async (input: string) =>
    zStrings.parse(await process.call({ node, hook: 'options', input, values: {} }));
  return defineNode({
    type: node,
    category: descriptor.category,
    ...(descriptor.displayName ? { displayName: descriptor.displayName } : {}),
    ...(descriptor.description ? { description: descriptor.description } : {}),
    inputs: proxyInputs(descriptor, options),
    outputs: descriptor.outputs,
    ...(descriptor.output ? { output: true } : {}),
    ...(descriptor.concurrent ? { concurrent: true } : {}),
    ...(descriptor.notIdempotent ? { notIdempotent: true } : {}),
    ...(descriptor.deprecated ? { deprecated: true } : {}),
    ...(descriptor.hooks.fingerprint
      ? {
          fingerprint: async ({ values }) =>
            z.string().parse(await process.call({ node, hook: 'fingerprint', values })),
        }
      : {}),
    ...(descriptor.hooks.validate
      ? {
          validate: async ({ values }) =>
            zProblems.parse(await process.call({ node, hook: 'validate', values })),
        }
      : {}),
    run: async (ctx, inputs) =>
      (await process.call(
        { node, hook: 'run', values: inputs, nodeId: ctx.nodeId, promptId: ctx.promptId },
        { signal: ctx.signal, progress: (value, max, preview) => ctx.progress(value, max, preview) },
      )) as never,
  });
}

async function existingFolder(folder: string): Promise<string | undefined> {
  const info = await stat(folder).catch(() => undefined);
  return info?.isDirectory() ? realpath(folder) : undefined;
}

/**
 * A launcher for `loadNodePacks` that runs each untrusted pack in its own sandbox process.
 * @example
 * const loaded = await loadNodePacks(registry, { dir, sandbox: createPackSandbox({ dirs, log, threads: 2 }) });
 */
export function createPackSandbox(options: PackSandboxOptions): SandboxLauncher {
  let script: Promise<string> | undefined;
  const threads = options.threads ?? resolveThreadCount().threads;
  return async (manifest, packId) => {
    script ??= childBundle(options.cacheDir);
    const folder = await realpath(manifest.folder);
    const grants = manifest.momaflow?.folders ?? { read: [], write: [] };
    // The pack-api shim npm installs beside the pack (node_modules/@momaflow/pack-api).
    const packApi = await existingFolder(path.join(path.dirname(folder), '@momaflow', 'pack-api'));
    const dataFolders = async (names: readonly (keyof Directories)[]) =>
      (await Promise.all(names.map((name) => existingFolder(options.dirs[name])))).filter(
        (f): f is string => f !== undefined,
      );
    const process = new SandboxProcess({
      packId,
      cwd: folder,
      log: options.log,
      toError: toPackError(packId, manifest),
      ...(options.abortGraceMs === undefined ? {} : { abortGraceMs: options.abortGraceMs }),
      args: sandboxArgs({
        script: await script,
        packFolder: folder,
        readFolders: [...(packApi ? [packApi] : []), ...(await dataFolders(grants.read))],
        writeFolders: await dataFolders(grants.write),
        maxOldSpaceMb: options.maxOldSpaceMb ?? 4096,
        childArgs: [
          path.join(folder, path.relative(manifest.folder, manifest.entry)),
          folder,
          JSON.stringify(options.dirs),
          String(threads),
        ],
      }),
    });
    try {
      const ready = await process.start();
      const pack: NodePack = {
        ...(ready.name ? { name: ready.name } : {}),
        ...(ready.version ? { version: ready.version } : {}),
        ...(ready.description ? { description: ready.description } : {}),
        nodes: ready.nodes.map((descriptor) => proxyDefinition(descriptor, process)),
        sockets: zSocketTypes.parse(ready.sockets ?? []) satisfies PackSocketType[],
        examples: zExamples.parse(ready.examples ?? []) satisfies PackExample[],
      };
      return { pack, dispose: () => process.dispose() };
    } catch (err) {
      await process.dispose();
      throw err;
    }
  };
}
