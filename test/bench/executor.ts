/**
 * Executor benchmark: validate + run a 10,000-node chain of trivial nodes, then a fully cached re-run,
 * and the peak heap. Prints figures; not a timed test.
 *   pnpm exec tsx test/bench/executor.ts [nodes] [repeats]
 */
import { createExecutor, validatePrompt } from '@momaflow/engine';
import { chainPrompt, createTestEnv, createTestNodes } from '@momaflow/engine/testing';

const size = Number(process.argv[2] ?? 10_000);
const repeats = Number(process.argv[3] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let peakHeap = 0;
const sampleHeap = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
const sampler = setInterval(sampleHeap, 5);

const cold: number[] = [];
const warm: number[] = [];
for (let r = 0; r < repeats; r++) {
  const { registry } = createTestNodes();
  const env = createTestEnv();
  const executor = createExecutor({ env });
  // A fresh prompt object each run, as a client would submit.
  const run = async () => {
    const t0 = performance.now();
    const checked = await validatePrompt(chainPrompt(size), { registry, env });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues.slice(0, 3)));
    const result = await executor.execute(checked.value);
    if (result.status !== 'success') throw new Error(`run ended with ${result.status}`);
    sampleHeap();
    return { ms: performance.now() - t0, executed: result.executed.length };
  };
  const first = await run();
  const second = await run();
  if (first.executed !== size || second.executed !== 0) {
    throw new Error(`expected ${size} then 0 executed nodes, got ${first.executed} then ${second.executed}`);
  }
  cold.push(first.ms);
  warm.push(second.ms);
}
clearInterval(sampler);

console.log(`executor bench: chain of ${size} nodes, ${repeats} repeats (median)`);
console.log(
  `  validate + run (cold):        ${median(cold).toFixed(1)} ms   (target < 1000 ms)  all: ${cold.map((x) => x.toFixed(0)).join(', ')}`,
);
console.log(
  `  validate + run (all cached): ${median(warm).toFixed(1)} ms   (target < 100 ms)   all: ${warm.map((x) => x.toFixed(0)).join(', ')}`,
);
console.log(`  peak heap used:              ${(peakHeap / 2 ** 20).toFixed(1)} MiB`);
