/**
 * @module
 * `momaflow run <workflow.json|image.png> [--set <node>.<input>=<value>]... [--out DIR] [--data DIR]
 * [--json] [--threads N]`: validates, runs headlessly, prints progress and where outputs went. The file
 * may be a momaflow workflow, a ComfyUI workflow (UI schema 0.4 or 1, or API format) or a PNG either
 * saved; what the import had to change is printed as warnings. Exit codes: 0 success, 1 execution
 * error, 2 bad usage or invalid workflow, 130 interrupted.
 */
import path from 'node:path';
import {
  type FileRef,
  type UiOutput,
  type ValidationIssue,
  validatePrompt,
  workflowToPrompt,
} from '@momaflow/engine';
import { readWorkflowFile, registryImportTypes } from '../import';
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

export async function runCommand(args: RunArgs, io: CliIo): Promise<number> {
  const runtime = await createRuntime({
    root: args.data,
    dirs: args.out ? { output: args.out } : {},
    log: io.log,
    threads: args.threads,
    // One prompt per process: a model nobody holds is never used again, so it leaves room for the next.
    cacheRamBytes: 0,
  });
  try {
    const imported = await readWorkflowFile(args.file, await registryImportTypes(runtime));
    if (!imported.ok) {
      io.error(
        `'${args.file}' is not a workflow momaflow can read:\n${imported.issues.map(formatIssue).join('\n')}`,
      );
      return EXIT.usage;
    }
    const { workflow, source, problems } = imported.value;
    for (const problem of problems) io.error(`warning: [${problem.code}] ${problem.message}`);
    const prompt = workflowToPrompt(workflow, runtime.registry);
    const overridden = applyOverrides(prompt, args.set, runtime.registry);
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
      // A bare API prompt has no layout to embed; anything else is embedded as the workflow it became.
      source: { prompt: overridden.prompt, ...(source !== 'comfyui-api' ? { workflow } : {}) },
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
