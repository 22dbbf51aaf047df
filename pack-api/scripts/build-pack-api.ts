/**
 * @module
 * Builds `@momaflow/pack-api`'s dist/: the type declarations (tsc, from src/index.ts and the engine
 * modules it re-exports) and dist/runtime.js, the standalone bundle of the engine's pack runtime that
 * index.js loads outside momaflow. `momaflow nodes new|add` call `ensurePackApiBuilt` before they
 * point a pack at this package.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

/** The pack-api package folder. */
export const PACK_API_DIR = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(PACK_API_DIR, 'dist');
const RUNTIME_ENTRY = path.join(PACK_API_DIR, '..', 'engine', 'src', 'node-packs', 'pack-runtime.ts');

function emitDeclarations(): void {
  const configFile = path.join(PACK_API_DIR, 'tsconfig.build.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${configFile}`);
  const program = ts.createProgram(config.fileNames, config.options);
  const result = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length > 0) {
    throw new Error(
      ts.formatDiagnostics(errors, { ...ts.sys, getCanonicalFileName: (f) => f, getNewLine: () => '\n' }),
    );
  }
}

/**
 * Builds dist/ from the current sources.
 * @example
 * await buildPackApi();
 */
export async function buildPackApi(): Promise<void> {
  await mkdir(DIST, { recursive: true });
  emitDeclarations();
  await writeFile(path.join(DIST, 'index.d.ts'), "export * from './types/pack-api/src/index';\n");
  await build({
    entryPoints: [RUNTIME_ENTRY],
    outfile: path.join(DIST, 'runtime.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  await writeFile(path.join(DIST, '.built-from'), await sourceStamp());
}

async function sourceStamp(): Promise<string> {
  const files = [RUNTIME_ENTRY, path.join(PACK_API_DIR, 'src', 'index.ts')];
  const times = await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs));
  return JSON.stringify(times);
}

const LOCK = path.join(PACK_API_DIR, '.build-lock');
const LOCK_WAIT_MS = 120_000;

/**
 * Builds dist/ unless it is there and was built from the current sources. Processes (parallel test
 * files, two CLI commands) take a lock folder in turn, so none reads a half-written dist/.
 */
export async function ensurePackApiBuilt(): Promise<string> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${LOCK} is held for over ${LOCK_WAIT_MS} ms; remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    const stamp = await readFile(path.join(DIST, '.built-from'), 'utf8').catch(() => '');
    if (stamp !== (await sourceStamp())) await buildPackApi();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
  return PACK_API_DIR;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildPackApi();
  process.stdout.write(`built ${DIST}\n`);
}
