#!/usr/bin/env node
/**
 * @module
 * The `momaflow` command: `run` (headless), and the other subcommands as they land.
 */
import { parseArgs } from 'node:util';
import { type CliIo, processIo } from './cli-io';
import { EXIT, runCommand } from './run-command';

const USAGE = `usage:
  momaflow run <workflow.json> [--set <node>.<input>=<value>]... [--out DIR] [--data DIR] [--json]

  --set    override an input of a node (repeatable), e.g. --set 3.seed=42
  --out    folder for outputs (default: <data>/output)
  --data   folder holding input/, output/, temp/ and models/ (default: the current folder)
  --json   print executor events as NDJSON
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
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
    return runCommand(
      {
        file,
        set: values.set ?? [],
        out: values.out,
        data: values.data ?? process.cwd(),
        json: values.json ?? false,
      },
      io,
    );
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.write(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  io.error(`unknown command '${command}'\n\n${USAGE}`);
  return EXIT.usage;
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
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
