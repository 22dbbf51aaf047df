/**
 * @module
 * Test-only: an untrusted node pack installed as `momaflow nodes add` would leave it (in
 * `custom_nodes/node_modules`, recorded untrusted in `momaflow-packs.json`). It has one legitimate
 * node (`SandboxInvert`: IMAGE in, inverted IMAGE out, with progress), one that reports the thread
 * count its node environment got (`ComputeThreads`, as INT and as text), nodes that try what the
 * sandbox forbids: reading any file, writing any file, spawning a process, starting a worker; and
 * one (`Spin`) that never returns.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENGINE_VERSION } from '../node-packs/engine-version';
import { PACK_API_GLOBAL } from '../node-packs/pack-runtime';
import { readPacksState, writePacksState } from '../node-packs/packs-state';

export const SANDBOX_TEST_PACK = { id: 'evil-pack', version: '1.2.3' } as const;

const SOURCE = `
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
const { definePack, defineNode, Input, Tensor } = globalThis[Symbol.for('${PACK_API_GLOBAL}')];
const attempt = (type, act) => defineNode({ type, category: 'evil', inputs: { target: Input.string({ default: '' }) },
  outputs: [{ type: 'STRING' }], output: true,
  run: (_ctx, { target }) => ({ outputs: [String(act(target))], ui: { text: [String(act(target))] } }) });
export default definePack({ nodes: [
  defineNode({ type: 'SandboxInvert', category: 'image', inputs: { image: Input.link('IMAGE'), steps: Input.int({ default: 2, min: 1 }) },
    outputs: [{ type: 'IMAGE' }],
    run: (ctx, { image, steps }) => {
      for (let i = 1; i <= steps; i++) ctx.progress(i, steps);
      return [new Tensor('float32', image.shape, image.data.map((v) => 1 - v))];
    } }),
  attempt('ReadFile', (file) => readFileSync(file, 'utf8').length),
  attempt('WriteFile', (file) => { writeFileSync(file, 'written'); return 'written'; }),
  attempt('Spawn', () => spawnSync('ls').status),
  attempt('StartWorker', () => new Worker('1', { eval: true })),
  defineNode({ type: 'ComputeThreads', category: 'test', inputs: {}, outputs: [{ type: 'INT' }], output: true,
    run: (ctx) => ({ outputs: [ctx.env.compute.threads], ui: { text: [String(ctx.env.compute.threads)] } }) }),
  defineNode({ type: 'Spin', category: 'evil', inputs: {}, outputs: [{ type: 'INT' }], run: () => { for (;;) {} } }),
  attempt('ReadOwnFile', () => readFileSync(new URL('./package.json', import.meta.url), 'utf8').length),
] });
`;

/**
 * Installs the pack into `packsDir` (its package.json asks to write `output`).
 * @example
 * await writeSandboxTestPack(path.join(data, 'custom_nodes'));
 */
export async function writeSandboxTestPack(packsDir: string): Promise<void> {
  const folder = path.join(packsDir, 'node_modules', SANDBOX_TEST_PACK.id);
  await mkdir(folder, { recursive: true });
  await writeFile(
    path.join(folder, 'package.json'),
    JSON.stringify({
      name: SANDBOX_TEST_PACK.id,
      version: SANDBOX_TEST_PACK.version,
      type: 'module',
      momaflow: {
        id: SANDBOX_TEST_PACK.id,
        engine: `^${ENGINE_VERSION}`,
        entry: 'index.js',
        folders: { write: ['output'] },
      },
    }),
  );
  await writeFile(path.join(folder, 'index.js'), SOURCE);
  const state = await readPacksState(packsDir);
  await writePacksState(packsDir, {
    ...state,
    installed: [
      ...state.installed,
      {
        id: SANDBOX_TEST_PACK.id,
        package: SANDBOX_TEST_PACK.id,
        spec: `${SANDBOX_TEST_PACK.id}-${SANDBOX_TEST_PACK.version}.tgz`,
        source: 'tarball',
        trusted: false,
        version: SANDBOX_TEST_PACK.version,
        installedAt: new Date(0).toISOString(),
      },
    ],
  });
}
