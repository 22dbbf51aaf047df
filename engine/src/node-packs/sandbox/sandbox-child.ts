/**
 * @module
 * The sandbox process's main module (bundled by `childBundle` and run by plain Node under the
 * permission model). It imports one pack, describes its nodes to the server and runs their hooks when
 * asked. Messages travel on fd 3 as frames (see wire-codec); stdout and stderr go to the server's log.
 * argv: entry module, pack folder, JSON of the data folders, the server's onnxruntime thread count
 * (the child's environment is empty, so `MOMAFLOW_THREADS` cannot reach it any other way).
 */
import { Socket } from 'node:net';
import { errorMessage } from '../../errors/engine-error';
import { createLogger } from '../../log/logger';
import { createNodeEnv } from '../../node-api/create-node-env';
import type { InputSpec } from '../../node-api/input-specs';
import type { AnyNodeDefinition, NodeContext } from '../../node-api/node-definition';
import type { Directories, NodeEnv } from '../../node-api/node-env';
import { parseThreadCount } from '../../onnx/compute-threads';
import { importNodePack } from '../import-node-pack';
import type { NodeDescriptor, ParentMessage, SandboxError } from './sandbox-protocol';
import { createFrameReader, decodeFrame, encodeMessage, frameChunks } from './wire-codec';

const [entry = '', folder = '', dirsJson = '{}', threadsText = ''] = process.argv.slice(2);
const channel = new Socket({ fd: 3, readable: true, writable: true });

function send(message: unknown): void {
  let chunks: Uint8Array[];
  try {
    chunks = frameChunks(encodeMessage(message));
  } catch (err) {
    const call = typeof message === 'object' && message !== null ? Reflect.get(message, 'call') : undefined;
    if (typeof call !== 'number') throw err;
    chunks = frameChunks(encodeMessage({ type: 'error', call, error: toSandboxError(err) }));
  }
  for (const chunk of chunks) channel.write(chunk);
}

function toSandboxError(err: unknown): SandboxError {
  const fields = typeof err === 'object' && err !== null ? err : {};
  const text = (key: string) => {
    // prototype-safe: constant keys, and an Error's `name` lives on its prototype, so not ownValue.
    const value: unknown = Reflect.get(fields, key);
    return typeof value === 'string' ? value : undefined;
  };
  return {
    name: text('name'),
    message: errorMessage(err),
    code: text('code'),
    permission: text('permission'),
    resource: text('resource'),
  };
}

function describe(definition: AnyNodeDefinition): NodeDescriptor {
  const inputs = Object.entries<InputSpec>(definition.inputs).map(
    ([name, spec]): NodeDescriptor['inputs'][number] => [
      name,
      spec.kind === 'COMBO' && typeof spec.options === 'function'
        ? { ...spec, options: { $dynamic: true } }
        : { ...spec },
    ],
  );
  return {
    type: definition.type,
    category: definition.category,
    displayName: definition.displayName,
    description: definition.description,
    inputs,
    outputs: definition.outputs.map((o) => ({ type: o.type, name: o.name, tooltip: o.tooltip })),
    output: definition.output,
    concurrent: definition.concurrent,
    notIdempotent: definition.notIdempotent,
    deprecated: definition.deprecated,
    hooks: { fingerprint: definition.fingerprint !== undefined, validate: definition.validate !== undefined },
  };
}

const log = createLogger((level, message, data) => send({ type: 'log', level, message, data }));
const calls = new Map<number, AbortController>();

async function handleCall(
  message: Extract<ParentMessage, { type: 'call' }>,
  nodes: Map<string, AnyNodeDefinition>,
  env: NodeEnv,
) {
  const definition = nodes.get(message.node);
  const controller = new AbortController();
  calls.set(message.call, controller);
  try {
    if (!definition) throw new Error(`no node type '${message.node}' in this pack`);
    let value: unknown;
    switch (message.hook) {
      case 'run': {
        const ctx: NodeContext = {
          nodeId: message.nodeId ?? '',
          promptId: message.promptId ?? '',
          source: {},
          signal: controller.signal,
          log: log.child({ nodeId: message.nodeId }),
          env,
          progress: (progressValue, max, preview) =>
            send({ type: 'progress', call: message.call, value: progressValue, max, preview }),
        };
        value = await definition.run(ctx, message.values);
        break;
      }
      case 'fingerprint':
        value = await definition.fingerprint?.({ values: message.values, env });
        break;
      case 'validate':
        value = (await definition.validate?.({ values: message.values, env })) ?? [];
        break;
      case 'options': {
        const spec = message.input === undefined ? undefined : definition.inputs[message.input];
        value =
          spec?.kind === 'COMBO' && typeof spec.options === 'function' ? await spec.options({ env }) : [];
        break;
      }
    }
    send({ type: 'result', call: message.call, value });
  } catch (err) {
    send({ type: 'error', call: message.call, error: toSandboxError(err) });
  } finally {
    calls.delete(message.call);
  }
}

async function main(): Promise<void> {
  let nodes: Map<string, AnyNodeDefinition>;
  let env: NodeEnv;
  try {
    env = createNodeEnv({
      dirs: JSON.parse(dirsJson) as Directories,
      log,
      compute: { threads: parseThreadCount(threadsText, "the sandbox's thread count") },
    });
    const pack = await importNodePack({
      folder,
      entry,
      packageName: undefined,
      version: undefined,
      description: undefined,
      momaflow: undefined,
    });
    nodes = new Map(pack.nodes.map((n) => [n.type, n]));
    send({
      type: 'ready',
      pack: {
        name: pack.name,
        version: pack.version,
        description: pack.description,
        sockets: pack.sockets,
        examples: pack.examples,
        nodes: pack.nodes.map(describe),
      },
    });
  } catch (err) {
    send({ type: 'fatal', error: toSandboxError(err) });
    channel.end();
    return;
  }
  const reader = createFrameReader((body) => {
    const message = decodeFrame(body) as ParentMessage;
    if (message.type === 'abort') calls.get(message.call)?.abort();
    else void handleCall(message, nodes, env);
  });
  channel.on('data', (chunk: Buffer) => reader.push(chunk));
  // The server closing the channel is the signal to exit.
  channel.on('end', () => process.exit(0));
}

void main();
