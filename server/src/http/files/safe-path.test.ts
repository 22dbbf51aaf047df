import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api-error';
import { checkName, checkSubfolder, ensureFolder, resolveExistingFile } from './safe-path';

const errorTypeOf = async (work: () => unknown) => {
  try {
    await work();
    return 'ok';
  } catch (err) {
    return err instanceof ApiError ? err.type : String(err);
  }
};

describe(checkName.name, () => {
  it.each(['a.png', 'ComfyUI_00001_.png', 'photo (1).jpg', 'ünïcode.webp'])('accepts %s', (name) => {
    expect(checkName(name)).toBe(name);
  });
  it.each([
    '',
    '.',
    '..',
    '../x',
    'a/b',
    'a\\b',
    '.hidden',
    'nul\u0000.png',
    'ends.',
    'x'.repeat(256),
    'c:evil',
  ])('rejects %j', async (name) => {
    expect(await errorTypeOf(() => checkName(name))).toBe('invalid_path');
  });
});

describe(checkSubfolder.name, () => {
  it('splits relative subfolders and refuses traversal', async () => {
    expect(checkSubfolder('')).toEqual([]);
    expect(checkSubfolder('a/b/')).toEqual(['a', 'b']);
    for (const bad of ['../a', 'a/../../b', '/etc', 'a\\b', 'a/./b']) {
      expect(await errorTypeOf(() => checkSubfolder(bad)), bad).toBe('invalid_path');
    }
  });
});

describe(resolveExistingFile.name, () => {
  let root: string;
  let base: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'momaflow-paths-'));
    base = path.join(root, 'output');
    await mkdir(path.join(base, 'sub'), { recursive: true });
    await mkdir(path.join(root, 'outside'));
    await writeFile(path.join(base, 'sub', 'ok.png'), 'x');
    await writeFile(path.join(root, 'outside', 'secret.txt'), 'x');
    await symlink(path.join(root, 'outside', 'secret.txt'), path.join(base, 'link.png'));
    await symlink(path.join(root, 'outside'), path.join(base, 'linkdir'));
    await symlink(path.join(base, 'sub', 'ok.png'), path.join(base, 'inner.png'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds files inside the folder, following symlinks that stay inside', async () => {
    expect(await resolveExistingFile(base, 'sub', 'ok.png')).toMatch(/sub[/\\]ok\.png$/);
    expect(await resolveExistingFile(base, '', 'inner.png')).toMatch(/sub[/\\]ok\.png$/);
  });

  it.each([
    ['a symlink to a file outside', '', 'link.png', 'forbidden_path'],
    ['a symlinked folder outside', 'linkdir', 'secret.txt', 'forbidden_path'],
    ['a missing file', '', 'missing.png', 'not_found'],
    ['a folder', '', 'sub', 'not_found'],
    ['traversal', '..', 'outside', 'invalid_path'],
  ])('refuses %s', async (_what, subfolder, name, type) => {
    expect(await errorTypeOf(() => resolveExistingFile(base, subfolder, name))).toBe(type);
  });

  it('creates folders inside, never through a symlink leading out', async () => {
    expect(await ensureFolder(base, 'new/deeper')).toMatch(/new[/\\]deeper$/);
    expect(await errorTypeOf(() => ensureFolder(base, 'linkdir/created'))).toBe('forbidden_path');
  });
});
