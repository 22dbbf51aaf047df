/**
 * @module
 * Drives `momaflow nodes ...` for the node-pack tests: runs the CLI in-process and builds a scaffolded
 * pack offline, linking what `npm install` would fetch (pack-api, typescript, @types/node) from this
 * workspace.
 */
import { execFile } from 'node:child_process';
import { mkdir, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../../server/src/cli/main';
import { memoryIo } from '../../../server/src/cli/memory-io';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

/** Runs `momaflow <args>` in this process: exit code and what it printed. */
export async function momaflow(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { io, out, err } = memoryIo();
  const code = await main(args, io);
  return { code, out: out(), err: err() };
}

/** Links the pack's devDependencies from the workspace, then `tsc -p` (what `npm install && npm run build` do). */
export async function buildPack(dir: string): Promise<void> {
  const modules = path.join(dir, 'node_modules');
  await mkdir(path.join(modules, '@momaflow'), { recursive: true });
  await mkdir(path.join(modules, '@types'), { recursive: true });
  await symlink(path.join(ROOT, 'pack-api'), path.join(modules, '@momaflow', 'pack-api'));
  await symlink(
    await realpath(path.join(ROOT, 'node_modules', 'typescript')),
    path.join(modules, 'typescript'),
  );
  await symlink(
    await realpath(path.join(ROOT, 'node_modules', '@types', 'node')),
    path.join(modules, '@types', 'node'),
  );
  await run(process.execPath, [path.join(modules, 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: dir,
  });
}

/** `npm test` of a built pack (node's test runner over dist/). */
export async function testPack(dir: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--test', 'dist/'], { cwd: dir });
  return stdout;
}

/** `npm pack`: the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--silent'], { cwd: dir });
  return path.join(dir, stdout.trim().split('\n').at(-1) ?? '');
}
