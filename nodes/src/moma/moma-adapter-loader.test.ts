import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from '../diffusion/test-support';
import { listMomaAdapters, MoMAAdapterLoader } from './moma-adapter-loader';

const FIXTURE = fixturePath('tiny-moma', 'attn_adapters_projectors.th');
let ws: TinyWorkspace;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const dir = join(ws.env.dirs.models, 'moma');
  await mkdir(join(dir, 'old'), { recursive: true });
  await copyFile(FIXTURE, join(dir, 'attn_adapters_projectors.th'));
  await copyFile(FIXTURE, join(dir, 'old', 'adapter.pt'));
  await symlink('/etc/hostname', join(dir, 'outside.th'));
  await copyFile(FIXTURE, join(dir, 'notes.txt'));
});
afterAll(() => ws.dispose());

describe(listMomaAdapters.name, () => {
  it('lists weight files only, with relative POSIX paths', async () => {
    expect(await listMomaAdapters(join(ws.env.dirs.models, 'moma'))).toEqual([
      'attn_adapters_projectors.th',
      'old/adapter.pt',
      'outside.th',
    ]);
  });
});

describe('MoMAAdapterLoader', () => {
  it('loads the adapter structure with a content key', async () => {
    const out = await MoMAAdapterLoader.run(recordingContext(ws.env).ctx, {
      adapter_name: 'attn_adapters_projectors.th',
    });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    const [adapter] = out;
    expect(adapter.kind).toBe('moma-adapter');
    expect(adapter.key).toMatch(/^[0-9a-f]{64}$/);
    expect(adapter.attention.length).toBeGreaterThan(0);
  });

  it.each([
    ['a missing file', 'nope.th', 'file_not_found'],
    ['a path out of the folder', '../checkpoints/x.th', 'invalid_path'],
    ['a symlink out of the folder', 'outside.th', 'path_outside_folder'],
  ])('refuses %s, naming the input', async (_what, adapter_name, code) => {
    const err = await Promise.resolve()
      .then(() => MoMAAdapterLoader.run(recordingContext(ws.env).ctx, { adapter_name }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe(code);
    expect((err as EngineError).message).toContain("MoMAAdapterLoader input 'adapter_name'");
  });
});
