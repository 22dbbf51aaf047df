/**
 * Sandbox overhead per node call for a 512x512 IMAGE: the test pack's `SandboxInvert` node loaded by
 * the real loader twice, trusted (in this process) and untrusted (its own process under the
 * permission model), called alternately with the same image. Prints medians, the overhead (sandboxed
 * minus in-process) and the load average. Not a timed test.
 *   pnpm exec tsx test/bench/sandbox.ts [calls]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createNodeRegistry,
  createPackSandbox,
  loadNodePacks,
  PACKS_STATE_FILE,
  SILENT_LOGGER,
  Tensor,
} from '@momaflow/engine';
import { testNodeContext, writeSandboxTestPack } from '@momaflow/engine/testing';

const calls = Number(process.argv[2] ?? 30);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function load(trusted: boolean) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'momaflow-sandbox-bench-'));
  const packsDir = path.join(root, 'custom_nodes');
  await writeSandboxTestPack(packsDir);
  if (trusted) {
    const file = path.join(packsDir, PACKS_STATE_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"trusted": false', '"trusted": true'));
  }
  const dirs = { input: root, output: root, temp: root, models: root };
  const registry = createNodeRegistry();
  const loaded = await loadNodePacks(registry, {
    dir: packsDir,
    sandbox: createPackSandbox({ dirs, log: SILENT_LOGGER }),
  });
  const node = registry.get('SandboxInvert');
  if (!node || registry.entry('SandboxInvert')?.sandboxed === trusted)
    throw new Error('the test pack did not load as asked');
  const ctx = testNodeContext({ promptId: 'bench' });
  return {
    call: async (image: Tensor) => {
      const t0 = performance.now();
      const [out] = (await node.run(ctx, { image, steps: 1 })) as [Tensor];
      const ms = performance.now() - t0;
      if (out.data[0] !== Math.fround(1 - (image.data[0] ?? 0))) throw new Error('wrong result');
      return ms;
    },
    dispose: async () => {
      await loaded.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const image = new Tensor(
  'float32',
  [1, 512, 512, 3],
  Float32Array.from({ length: 512 * 512 * 3 }, (_, i) => (i % 255) / 255),
);
const inProcess = await load(true);
const sandboxed = await load(false);
const times = { inProcess: [] as number[], sandboxed: [] as number[] };
// Warm up both (JIT, the child's first frame), then alternate so machine load hits both alike.
await inProcess.call(image);
await sandboxed.call(image);
for (let i = 0; i < calls; i++) {
  times.inProcess.push(await inProcess.call(image));
  times.sandboxed.push(await sandboxed.call(image));
}
await inProcess.dispose();
await sandboxed.dispose();

const a = median(times.inProcess);
const b = median(times.sandboxed);
const mib = (image.data.byteLength / 2 ** 20).toFixed(1);
console.log(`SandboxInvert on a 512x512 IMAGE (${mib} MiB each way), median of ${calls} alternating calls:`);
console.log(
  `  in-process: ${a.toFixed(2)} ms   sandboxed: ${b.toFixed(2)} ms   overhead per call: ${(b - a).toFixed(2)} ms`,
);
console.log(
  `  load average: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
