import { afterEach, describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { OnnxBuilder } from './onnx-builder';
import { fromOrtTensor, toOrtTensor } from './ort-tensor';
import { WorkerSessions } from './worker-sessions';

/** y = x + 1 and z = x * 2 on [n] floats. */
function twoOutputs(): Uint8Array {
  const b = OnnxBuilder.create();
  const x = b.input('x', 'float32', ['n']);
  b.output(b.op('Add', [x, b.constFloat('float32', 1)]), 'y');
  b.output(b.op('Mul', [x, b.constFloat('float32', 2)]), 'z');
  return b.build().bytes;
}

/** out = x + c on [n] floats. */
function addInputs(): Uint8Array {
  const b = OnnxBuilder.create();
  b.output(b.op('Add', [b.input('x', 'float32', ['n']), b.input('c', 'float32', ['n'])]), 'out');
  return b.build().bytes;
}

/** `repeats` chained 768x768 MatMuls: a run long enough to watch the event loop during it. */
function slowModel(repeats: number): Uint8Array {
  const b = OnnxBuilder.create();
  let h = b.input('x', 'float32', [768, 768]);
  const w = Tensor.zeros('float32', [768, 768]);
  for (let i = 0; i < 768; i++) w.data[i * 768 + i] = 1;
  const weight = b.initializer('w', w);
  for (let i = 0; i < repeats; i++) h = b.op('MatMul', [h, weight]);
  b.output(h, 'y');
  return b.build().bytes;
}

let host: WorkerSessions | undefined;
afterEach(async () => {
  await host?.dispose();
  host = undefined;
});

describe(WorkerSessions.name, () => {
  it('runs a session in the worker and returns every output, or only the fetched ones', async () => {
    host = WorkerSessions.create();
    const session = await host.createSession(twoOutputs(), { executionProviders: ['cpu'] });
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y', 'z']);
    // A view into a larger buffer travels as just its elements.
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const x = new Tensor('float32', [3], big.subarray(1, 4));
    const all = await session.run({ x: toOrtTensor(x) });
    expect(Array.from(fromOrtTensor(all.y!).data as Float32Array)).toEqual([2, 3, 4]);
    expect(Array.from(fromOrtTensor(all.z!).data as Float32Array)).toEqual([2, 4, 6]);
    const some = await session.run({ x: toOrtTensor(x) }, ['z']);
    expect(Object.keys(some)).toEqual(['z']);
    expect(Array.from(big)).toEqual([9, 1, 2, 3, 9]);
    await session.release();
    await expect(session.run({ x: toOrtTensor(x) })).rejects.toThrow(/not open/);
  });

  it('keeps the event loop turning while a run computes', async () => {
    host = WorkerSessions.create();
    const session = await host.createSession(slowModel(200), {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
    });
    const x = Tensor.zeros('float32', [768, 768]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      await session.run({ x: toOrtTensor(x) });
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    // 200 MatMuls of 768^3 take well over 100 ms; a blocked loop would fire the timer at most once.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
  });

  it("rejects with onnxruntime's message when a run is wrong", async () => {
    host = WorkerSessions.create();
    const session = await host.createSession(twoOutputs(), { executionProviders: ['cpu'] });
    const wrong = new Tensor('float32', [2], Float32Array.of(1, 2));
    await expect(session.run({ nope: toOrtTensor(wrong) })).rejects.toThrow(/nope|input/i);
  });

  it('adds uploaded constant feeds to the runs that name them, until released', async () => {
    host = WorkerSessions.create();
    const session = await host.createSession(addInputs(), { executionProviders: ['cpu'] });
    const f32 = (...v: number[]) => toOrtTensor(new Tensor('float32', [v.length], Float32Array.from(v)));
    const constants = await session.uploadConstants({ c: f32(10, 20) });
    expect(constants.names).toEqual(['c']);
    const values = async (out: Record<string, unknown>) =>
      Array.from(fromOrtTensor(out.out as Parameters<typeof fromOrtTensor>[0]).data as Float32Array);
    expect(await values(await session.run({ x: f32(1, 2) }, undefined, constants))).toEqual([11, 22]);
    expect(await values(await session.run({ x: f32(3, 4) }, ['out'], constants))).toEqual([13, 24]);
    // A feed of the run wins over a constant of the same name.
    expect(await values(await session.run({ x: f32(1, 1), c: f32(1, 1) }, undefined, constants))).toEqual([
      2, 2,
    ]);
    await constants.release();
    await constants.release();
    await expect(session.run({ x: f32(1, 2) }, undefined, constants)).rejects.toThrow(/not stored/);
    const foreign = { names: [], release: async () => {} };
    await expect(session.run({ x: f32(1, 2) }, undefined, foreign)).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('fails the sessions of a disposed host instead of hanging', async () => {
    host = WorkerSessions.create();
    const session = await host.createSession(twoOutputs(), { executionProviders: ['cpu'] });
    await host.dispose();
    const x = new Tensor('float32', [1], Float32Array.of(1));
    await expect(session.run({ x: toOrtTensor(x) })).rejects.toMatchObject({ code: 'session_lost' });
  });
});
