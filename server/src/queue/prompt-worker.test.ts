import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createExecutor,
  createNodeEnv,
  createNodeRegistry,
  defineNode,
  type ExecutionEvent,
  Input,
  ok,
  SILENT_LOGGER,
  validatePrompt,
} from '@momaflow/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPromptStore, type PromptOutcome, type PromptStore } from '../store';
import { createPromptQueue, type PromptQueue } from './prompt-queue';
import { createPromptWorker, type PromptWorker } from './prompt-worker';

const Wait = defineNode({
  type: 'Wait',
  category: 'test',
  output: true,
  inputs: { ms: Input.int({ default: 0, min: 0, max: 60_000 }), tag: Input.string({ default: '' }) },
  outputs: [],
  run: (ctx, { ms, tag }) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ outputs: [], ui: { text: [tag] } }), ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new DOMException('stop', 'AbortError'));
      });
    }),
});
const registry = createNodeRegistry([Wait]);
const env = createNodeEnv({
  dirs: { input: '/x', output: '/x', temp: '/x', models: '/x' },
  log: SILENT_LOGGER,
});
const waitPrompt = (ms: number, tag: string) => ({ '1': { class_type: 'Wait', inputs: { ms, tag } } });

describe(createPromptWorker.name, () => {
  let dir: string;
  let store: PromptStore;
  let queue: PromptQueue;
  let worker: PromptWorker;
  let events: ExecutionEvent[];
  let settled: [string, PromptOutcome | undefined][];

  const start = () => {
    queue = createPromptQueue({ store });
    worker = createPromptWorker({
      queue,
      executor: createExecutor({ env }),
      log: SILENT_LOGGER,
      prepare: async (item) => {
        const checked = await validatePrompt(item.prompt, { registry, env });
        return checked.ok ? ok(checked.value) : checked;
      },
      hooks: {
        onEvent: (event) => events.push(event),
        onSettled: (item, outcome) => settled.push([item.id, outcome]),
      },
    });
    worker.start();
  };
  const enqueue = (id: string, prompt: unknown) =>
    queue.enqueue({ id, clientId: null, prompt, workflow: undefined, targets: ['1'], extra: {} });
  const settledOf = (id: string) =>
    new Promise<PromptOutcome | undefined>((resolve) => {
      const poll = () => {
        const hit = settled.find(([s]) => s === id);
        if (hit) resolve(hit[1]);
        else setTimeout(poll, 5);
      };
      poll();
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-worker-'));
    store = openPromptStore({ file: path.join(dir, 'db.sqlite') });
    events = [];
    settled = [];
    start();
  });
  afterEach(async () => {
    await worker.stop();
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs prompts one at a time in queue order and records their outcome', async () => {
    enqueue('a', waitPrompt(20, 'a'));
    enqueue('b', waitPrompt(0, 'b'));
    expect((await settledOf('b'))?.status).toBe('success');
    expect(settled.map(([id]) => id)).toEqual(['a', 'b']);
    const starts = events.filter((e) => e.type === 'execution_start').map((e) => e.promptId);
    expect(starts).toEqual(['a', 'b']);
    expect(store.get('a')).toMatchObject({ status: 'success', outputs: { '1': { text: ['a'] } } });
    expect(store.get('a')?.summary.map((e) => e.type)).toEqual([
      'execution_start',
      'execution_cached',
      'execution_success',
    ]);
  });

  it('interrupts the running prompt only when asked for it', async () => {
    enqueue('long', waitPrompt(60_000, 'long'));
    while (worker.running() !== 'long') await new Promise((r) => setTimeout(r, 5));
    expect(worker.interrupt('other')).toBeUndefined();
    expect(worker.interrupt()).toBe('long');
    expect((await settledOf('long'))?.status).toBe('interrupted');
    expect(store.get('long')?.status).toBe('interrupted');
  });

  it('puts the running prompt back on stop, and runs it after a restart', async () => {
    enqueue('survivor', waitPrompt(60_000, 's'));
    while (worker.running() !== 'survivor') await new Promise((r) => setTimeout(r, 5));
    await worker.stop();
    expect(settled).toEqual([['survivor', undefined]]);
    expect(store.get('survivor')?.status).toBe('queued');

    store.close();
    store = openPromptStore({ file: path.join(dir, 'db.sqlite') });
    expect(store.queued().map((p) => p.id)).toEqual(['survivor']);
    settled = [];
    start();
    while (worker.running() !== 'survivor') await new Promise((r) => setTimeout(r, 5));
    worker.interrupt('survivor');
    expect((await settledOf('survivor'))?.status).toBe('interrupted');
  });

  it('fails a stored prompt that no longer validates, with an error event', async () => {
    enqueue('stale', { '1': { class_type: 'Gone', inputs: {} } });
    const outcome = await settledOf('stale');
    expect(outcome).toMatchObject({
      status: 'error',
      error: { message: expect.stringMatching(/no longer validates/) },
    });
    expect(events.filter((e) => e.promptId === 'stale').map((e) => e.type)).toEqual([
      'execution_start',
      'execution_error',
    ]);
  });
});
