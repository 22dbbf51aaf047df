import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPromptStore, type PromptStore } from './prompt-store';
import type { PromptOutcome, PromptSubmission } from './stored-prompt';

const submission = (id: string, number: number): PromptSubmission => ({
  id,
  number,
  clientId: 'c1',
  prompt: { '1': { class_type: 'X', inputs: {} } },
  workflow: id === 'w' ? { format: 'momaflow.workflow' } : undefined,
  targets: ['1'],
  extra: { note: id },
});
const success = (at: number): PromptOutcome => ({
  status: 'success',
  outputs: { '1': { text: ['ok'] } },
  timings: { '1': 1.5 },
  summary: [{ type: 'execution_start', promptId: 'x', timestamp: at }],
  error: null,
  finishedAt: at,
});

describe(openPromptStore.name, () => {
  let dir: string;
  let file: string;
  let store: PromptStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-store-'));
    file = path.join(dir, 'db.sqlite');
    store = openPromptStore({ file });
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps queued prompts in run order with their data, across reopening', () => {
    store.insert(submission('b', 2), 10);
    store.insert(submission('w', 1), 11);
    store.insert(submission('front', -3), 12);
    store.close();
    store = openPromptStore({ file });
    expect(store.queued().map((p) => p.id)).toEqual(['front', 'w', 'b']);
    expect(store.get('w')).toMatchObject({
      status: 'queued',
      clientId: 'c1',
      workflow: { format: 'momaflow.workflow' },
      targets: ['1'],
      extra: { note: 'w' },
      queuedAt: 11,
    });
    expect(store.get('b')?.workflow).toBeUndefined();
    expect(store.maxNumber()).toBe(3);
  });

  it('records outcomes as history, oldest first, paged like ComfyUI', () => {
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      store.insert(submission(id, i + 1), i);
      store.markRunning(id, 100 + i);
      store.finish(id, success(200 + i));
    }
    expect(store.get('b')).toMatchObject({
      status: 'success',
      startedAt: 101,
      finishedAt: 201,
      timings: { '1': 1.5 },
    });
    expect(store.history({}).items.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(store.history({ maxItems: 2 }).items.map((p) => p.id)).toEqual(['b', 'c']);
    expect(store.history({ maxItems: 1, offset: 0 }).items.map((p) => p.id)).toEqual(['a']);
    expect(store.history({ maxItems: 2 }).total).toBe(3);
    expect(store.deleteHistory(['a', 'nope'])).toBe(1);
    expect(store.deleteHistory()).toBe(2);
    expect(store.history({}).total).toBe(0);
  });

  it('marks prompts left running as interrupted, and re-queues them on request', () => {
    store.insert(submission('r', 1), 1);
    store.markRunning('r', 2);
    store.insert(submission('q', 2), 3);
    store.close();
    store = openPromptStore({ file });
    expect(store.recoverInterrupted(50)).toEqual(['r']);
    expect(store.get('r')).toMatchObject({ status: 'interrupted', finishedAt: 50 });
    expect(store.get('r')?.summary.map((e) => e.type)).toEqual(['execution_interrupted']);
    expect(store.queued().map((p) => p.id)).toEqual(['q']);
    expect(store.requeue('r', 7, 60)).toBe(true);
    expect(store.queued().map((p) => p.id)).toEqual(['q', 'r']);
    expect(store.history({}).total).toBe(0);
    expect(store.requeue('q', 8, 61)).toBe(false);
  });

  it('returns a running prompt to the queue at its place', () => {
    store.insert(submission('a', 1), 1);
    store.insert(submission('b', 2), 1);
    store.markRunning('a', 2);
    store.returnToQueue('a');
    expect(store.queued().map((p) => [p.id, p.startedAt])).toEqual([
      ['a', null],
      ['b', null],
    ]);
  });

  it('deletes only queued prompts from the queue', () => {
    store.insert(submission('a', 1), 1);
    store.insert(submission('b', 2), 1);
    store.markRunning('b', 2);
    expect(store.deleteQueued(['a', 'b', 'zz'])).toEqual(['a']);
    expect(store.get('b')?.status).toBe('running');
  });

  it('names the prompt when a stored row is corrupt', () => {
    store.insert(submission('bad', 1), 1);
    const raw = new Database(file);
    raw.prepare(`UPDATE prompts SET targets = '{not json' WHERE id = 'bad'`).run();
    raw.close();
    expect(() => store.get('bad')).toThrow(/stored prompt 'bad' is corrupt/);
  });

  it('refuses a database from a newer build', () => {
    store.close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openPromptStore({ file })).toThrow(/newer than this build/);
    store = openPromptStore({ file: path.join(dir, 'other.sqlite') });
  });
});
