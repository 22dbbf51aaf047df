/**
 * @module
 * `momaflow run <workflow.json> [--set <node>.<input>=<value>]... [--out DIR] [--data DIR] [--json] [--threads N]`:
 * validates, runs headlessly, prints progress and where outputs went. Exit codes: 0 success,
 * 1 execution error, 2 bad usage or invalid workflow, 130 interrupted.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FileRef,
  looksLikeWorkflow,
  toPrompt,
  type UiOutput,
  type ValidationIssue,
  validatePrompt,
} from '@momaflow/engine';
import { createRuntime } from '../runtime';
import type { CliIo } from './cli-io';
import { createReporter } from './run-reporter';
import { applyOverrides } from './set-overrides';

export interface RunArgs {
  readonly file: string;
  readonly set: readonly string[];
  readonly out: string | undefined;
  readonly data: string;
  readonly json: boolean;
  /** `--threads`; undefined: `MOMAFLOW_THREADS` or the cores. */
  readonly threads?: number | undefined;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export function formatIssue(issue: ValidationIssue): string {
  return `  - [${issue.type}] ${issue.message}`;
}

function outputFiles(
  outputs: Readonly<Record<string, UiOutput>>,
  dirs: { output: string; temp: string; input: string },
): string[] {
  const files: string[] = [];
  for (const ui of Object.values(outputs)) {
    for (const ref of (ui.images ?? []) as FileRef[])
      files.push(path.join(dirs[ref.type], ref.subfolder, ref.filename));
  }
  return files;
}

async function readJson(file: string, io: CliIo): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.error(`cannot read workflow file '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    io.error(`workflow file '${file}' is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

export async function runCommand(args: RunArgs, io: CliIo): Promise<number> {
  const data = await readJson(args.file, io);
  if (data === undefined) return EXIT.usage;
  const runtime = await createRuntime({
    root: args.data,
    dirs: args.out ? { output: args.out } : {},
    log: io.log,
    threads: args.threads,
    // One prompt per process: a model nobody holds is never used again, so it leaves room for the next.
    keepIdleSessions: false,
  });
  try {
    const converted = toPrompt(data, runtime.registry);
    if (!converted.ok) {
      io.error(`'${args.file}' is not a valid workflow:\n${converted.issues.map(formatIssue).join('\n')}`);
      return EXIT.usage;
    }
    const overridden = applyOverrides(converted.value as never, args.set, runtime.registry);
    if (!overridden.ok) {
      io.error(overridden.errors.join('\n'));
      return EXIT.usage;
    }
    const checked = await validatePrompt(overridden.prompt, { registry: runtime.registry, env: runtime.env });
    if (!checked.ok) {
      io.error(`'${args.file}' failed validation:\n${checked.issues.map(formatIssue).join('\n')}`);
      return EXIT.usage;
    }
    const reporter = createReporter(args.json ? 'json' : io.isTty ? 'tty' : 'plain', checked.value, io.write);
    const controller = new AbortController();
    const stop = () => controller.abort();
    io.onInterrupt(stop);
    const result = await runtime.executor.execute(checked.value, {
      emit: reporter.onEvent,
      signal: controller.signal,
      source: { prompt: overridden.prompt, ...(looksLikeWorkflow(data) ? { workflow: data } : {}) },
    });
    reporter.finish();
    io.offInterrupt(stop);
    const files = outputFiles(result.outputs, runtime.env.dirs);
    if (!args.json) for (const file of files) io.write(`wrote ${file}\n`);
    if (result.status === 'interrupted') return EXIT.interrupted;
    return result.status === 'success' ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.dispose();
  }
}
