/**
 * @module
 * How fast this machine multiplies matrices through onnxruntime: the "ideal" that benchmarks compare
 * whole-model throughput against (a UNet step is mostly MatMul and Conv).
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { EngineError } from '../errors/engine-error';
import { OnnxBuilder } from './onnx-builder';

/** Options of `measureMatmulGflops`. */
export interface MatmulBenchOptions {
  /** Square matrix size; 2n³ flops per run. */
  readonly n: number;
  /** onnxruntime intra-op threads. */
  readonly threads: number;
  /** Timed runs after one warm-up run. Default 3. */
  readonly iterations?: number;
}

/** Result of `measureMatmulGflops`. */
export interface MatmulBenchResult {
  readonly n: number;
  readonly threads: number;
  readonly iterations: number;
  /** Best single-run time, in seconds (the least disturbed by other processes). */
  readonly bestSeconds: number;
  /** 2n³ / bestSeconds / 1e9. */
  readonly gflops: number;
}

function filled(n: number): Float32Array {
  const a = new Float32Array(n * n);
  // Deterministic, bounded, non-trivial values: denormals or zeros would flatter or slow the kernel.
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  return a;
}

/**
 * Time an n×n float32 MatMul on the CPU provider.
 * @example
 * const { gflops } = await measureMatmulGflops({ n: 1024, threads: 2 });
 */
export async function measureMatmulGflops(options: MatmulBenchOptions): Promise<MatmulBenchResult> {
  const { n, threads } = options;
  const iterations = options.iterations ?? 3;
  for (const [name, v] of [
    ['n', n],
    ['threads', threads],
    ['iterations', iterations],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new EngineError('invalid_option', `'${name}' must be a positive integer, got ${v}`);
  }
  const b = OnnxBuilder.create({ name: 'matmul_bench' });
  const a = b.input('a', 'float32', [n, n]);
  const c = b.input('b', 'float32', [n, n]);
  b.output(b.op('MatMul', [a, c]), 'c');
  const session = await ort.InferenceSession.create(b.build().bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  try {
    const feeds = {
      a: new ort.Tensor('float32', filled(n), [n, n]),
      b: new ort.Tensor('float32', filled(n), [n, n]),
    };
    await session.run(feeds);
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      await session.run(feeds);
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    return { n, threads, iterations, bestSeconds: best, gflops: (2 * n ** 3) / best / 1e9 };
  } finally {
    await session.release();
  }
}
