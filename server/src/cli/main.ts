#!/usr/bin/env node
/**
 * @module
 * The `momaflow` command: `run` (headless), and the other subcommands as they land.
 */
import { parseArgs } from 'node:util';
import { type CliIo, processIo } from './cli-io';
import { modelsCommand } from './models-command';
import { nodesCommand } from './nodes/nodes-command';
import { EXIT, runCommand } from './run-command';
import { serveCommand } from './serve-command';
import { cacheRamOption, threadsOption } from './threads-option';
import { WORKER_USAGE, workerCommand } from './worker-command';

const USAGE = `usage:
  momaflow run <workflow.json> [--set <node>.<input>=<value>]... [--out DIR] [--data DIR] [--json] [--threads N]
  momaflow serve [--host 127.0.0.1] [--port 8188] [--auth-token T] [--data DIR] [--cors-origin O]...
                 [--disable-custom-nodes] [--threads N] [--cache-ram GiB]
                 [--queue redis://HOST:PORT[/DB] [--worker-token T] [--advertise-url URL]]
${WORKER_USAGE}  momaflow models make-tiny | pull | list ...   (momaflow models --help)
  momaflow nodes new | add | list | remove | update | enable | disable ...   (momaflow nodes --help)
  momaflow <command> --help   prints this usage (models and nodes print their own)

  --set    override an input of a node (repeatable), e.g. --set 3.seed=42
  --out    folder for outputs (default: <data>/output)
  --data   folder holding input/, output/, temp/ and models/ (default: the current folder)
  --json   print executor events as NDJSON
  --threads  threads per onnxruntime operator, on run, serve and worker and in their node packs' sandboxes
             (default: MOMAFLOW_THREADS, else the cores this process may use)
  --cache-ram  GiB the model sessions kept loaded between prompts may hold, on serve and worker; the
             least recently used idle ones close first when a new one would exceed it (default:
             MOMAFLOW_CACHE_RAM, else half the memory less 2 GiB, within 4 to 32 GiB; run keeps none)

  --auth-token   require this token on every request (or set MOMAFLOW_AUTH_TOKEN)
  --cors-origin  also accept requests from this browser origin (repeatable)
  --queue        cluster mode: queue prompts in this Redis for 'momaflow worker' processes (or MOMAFLOW_QUEUE)
  --advertise-url  the server's URL as workers reach it (default: the URL it listens on)
  --disable-custom-nodes  load no node packs from <data>/custom_nodes
`;

/** Whether a command's arguments ask for its usage (`--help`/`-h` anywhere, as every command accepts). */
const asksForHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if ((command === 'run' || command === 'serve' || command === 'worker') && asksForHelp(rest)) {
    io.write(USAGE);
    return EXIT.ok;
  }
  if (command === 'run') {
    let parsed: ReturnType<typeof parseRun>;
    try {
      parsed = parseRun(rest);
    } catch (err) {
      io.error(`${(err as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    const file = parsed.positionals[0];
    if (!file || parsed.positionals.length > 1) {
      io.error(`momaflow run takes exactly one workflow file\n\n${USAGE}`);
      return EXIT.usage;
    }
    const { values } = parsed;
    const threads = threadsOption(values.threads, io, USAGE);
    if (threads === null) return EXIT.usage;
    return runCommand(
      {
        file,
        set: values.set ?? [],
        out: values.out,
        data: values.data ?? process.cwd(),
        json: values.json ?? false,
        threads,
      },
      io,
    );
  }
  if (command === 'serve') {
    let parsed: ReturnType<typeof parseServe>;
    try {
      parsed = parseServe(rest);
    } catch (err) {
      io.error(`${(err as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    const { values } = parsed;
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      io.error(`--port '${values.port}' must be an integer in [0, 65535]`);
      return EXIT.usage;
    }
    const threads = threadsOption(values.threads, io, USAGE);
    if (threads === null) return EXIT.usage;
    const cacheRamBytes = cacheRamOption(values['cache-ram'], io, USAGE);
    if (cacheRamBytes === null) return EXIT.usage;
    try {
      return await serveCommand(
        {
          host: values.host,
          port,
          authToken: values['auth-token'] ?? process.env.MOMAFLOW_AUTH_TOKEN,
          data: values.data ?? process.cwd(),
          corsOrigins: values['cors-origin'] ?? [],
          threads,
          cacheRamBytes,
          ...clusterArgs(values),
          disableCustomNodes: values['disable-custom-nodes'] ?? false,
        },
        io,
      );
    } catch (err) {
      io.error(`cannot start the server: ${(err as Error).message}`);
      return EXIT.usage;
    }
  }
  if (command === 'models') return modelsCommand(rest, io);
  if (command === 'worker') return workerCommand(rest, io);
  if (command === 'nodes') return nodesCommand(rest, io);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.write(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  io.error(`unknown command '${command}'\n\n${USAGE}`);
  return EXIT.usage;
}

function parseServe(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'auth-token': { type: 'string' },
      data: { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      threads: { type: 'string' },
      'cache-ram': { type: 'string' },
      queue: { type: 'string' },
      'worker-token': { type: 'string' },
      'advertise-url': { type: 'string' },
      'disable-custom-nodes': { type: 'boolean' },
    },
  });
}

/** `serve`'s cluster options (checked by the server's option schema). */
function clusterArgs(values: ReturnType<typeof parseServe>['values']) {
  const redisUrl = values.queue ?? process.env.MOMAFLOW_QUEUE;
  if (redisUrl === undefined) return {};
  const workerToken = values['worker-token'] ?? process.env.MOMAFLOW_WORKER_TOKEN;
  return {
    cluster: {
      redisUrl,
      ...(workerToken !== undefined ? { workerToken } : {}),
      ...(values['advertise-url'] !== undefined ? { advertiseUrl: values['advertise-url'] } : {}),
    },
  };
}

function parseRun(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      set: { type: 'string', multiple: true },
      out: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean' },
      threads: { type: 'string' },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
