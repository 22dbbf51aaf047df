/**
 * @module
 * Bundles the sandbox child (TypeScript engine code) into one plain `.mjs` file that Node runs without
 * loaders: the permission model forbids the child processes and workers a TypeScript loader needs.
 * Written once per content hash into the cache folder, so a second server start rewrites nothing.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CHILD_ENTRY = fileURLToPath(new URL('./sandbox-child.ts', import.meta.url));

async function bundle(entry: string, cacheDir: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`esbuild produced no output for ${entry}`);
  const file = path.join(
    cacheDir,
    `sandbox-child-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`,
  );
  const exists = await stat(file).then(
    (s) => s.size === code.byteLength,
    () => false,
  );
  if (!exists) {
    await mkdir(cacheDir, { recursive: true });
    // Another process may write the same file: write aside, then rename over (atomic, same bytes).
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, code);
    await rename(temporary, file);
  }
  return file;
}

/**
 * Bundles the child and returns the path of its `.mjs` file.
 * @example
 * const script = await childBundle(path.join(tmpdir(), 'momaflow-sandbox'));
 */
export function childBundle(cacheDir: string = path.join(tmpdir(), 'momaflow-sandbox')): Promise<string> {
  return bundle(CHILD_ENTRY, cacheDir);
}
