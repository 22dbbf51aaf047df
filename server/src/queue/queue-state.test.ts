import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_QUEUE,
  nextItem,
  type QueueItem,
  type QueueState,
  queueReducer,
  queueRemaining,
} from './queue-state';

const item = (id: string, number: number): QueueItem => ({
  id,
  number,
  clientId: null,
  prompt: {},
  workflow: undefined,
  targets: [],
  extra: {},
});
const ids = (state: QueueState) => state.pending.map((p) => p.id);
const enqueue = (state: QueueState, ...items: QueueItem[]) =>
  items.reduce((s, i) => queueReducer(s, { type: 'enqueued', item: i }), state);

describe(queueReducer.name, () => {
  it('orders pending prompts by number, front (negative) first, ties in submission order', () => {
    const state = enqueue(EMPTY_QUEUE, item('a', 1), item('b', 2), item('front', -3), item('b2', 2));
    expect(ids(state)).toEqual(['front', 'a', 'b', 'b2']);
    expect(nextItem(state)?.id).toBe('front');
  });

  it('runs one prompt at a time and counts it as remaining', () => {
    let state = enqueue(EMPTY_QUEUE, item('a', 1), item('b', 2));
    state = queueReducer(state, { type: 'started', id: 'a' });
    expect(state.running.map((r) => r.id)).toEqual(['a']);
    expect(nextItem(state)).toBeUndefined();
    expect(queueRemaining(state)).toBe(2);
    expect(() => queueReducer(state, { type: 'started', id: 'b' })).toThrow(/is running/);
    state = queueReducer(state, { type: 'finished', id: 'a' });
    expect([state.running, queueRemaining(state), nextItem(state)?.id]).toEqual([[], 1, 'b']);
  });

  it('returns the running prompt to its place on shutdown', () => {
    let state = enqueue(EMPTY_QUEUE, item('a', 1), item('b', 2));
    state = queueReducer(state, { type: 'started', id: 'a' });
    state = queueReducer(state, { type: 'returned', id: 'a' });
    expect([state.running, ids(state)]).toEqual([[], ['a', 'b']]);
  });

  it.each([
    ['finishing a prompt that is not running', { type: 'finished', id: 'x' }],
    ['returning a prompt that is not running', { type: 'returned', id: 'x' }],
    ['starting a prompt that is not pending', { type: 'started', id: 'x' }],
    ['queueing the same id twice', { type: 'enqueued', item: item('a', 9) }],
  ] as const)('rejects %s', (_name, action) => {
    expect(() => queueReducer(enqueue(EMPTY_QUEUE, item('a', 1)), action)).toThrow();
  });

  it('removes only the named pending prompts', () => {
    const state = queueReducer(enqueue(EMPTY_QUEUE, item('a', 1), item('b', 2), item('c', 3)), {
      type: 'removed',
      ids: ['b', 'zzz'],
    });
    expect(ids(state)).toEqual(['a', 'c']);
  });

  it('keeps pending sorted and loses nothing under any sequence of actions', () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant('enqueue' as const), number: fc.integer({ min: -50, max: 50 }) }),
      fc.record({ kind: fc.constant('take' as const) }),
      fc.record({ kind: fc.constant('finish' as const) }),
      fc.record({ kind: fc.constant('return' as const) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        let state = EMPTY_QUEUE;
        const alive = new Set<string>();
        actions.forEach((a, n) => {
          if (a.kind === 'enqueue') {
            state = queueReducer(state, { type: 'enqueued', item: item(`p${n}`, a.number) });
            alive.add(`p${n}`);
          } else if (a.kind === 'take') {
            const next = nextItem(state);
            if (next) state = queueReducer(state, { type: 'started', id: next.id });
          } else if (a.kind === 'finish' && state.running[0]) {
            alive.delete(state.running[0].id);
            state = queueReducer(state, { type: 'finished', id: state.running[0].id });
          } else if (a.kind === 'return' && state.running[0]) {
            state = queueReducer(state, { type: 'returned', id: state.running[0].id });
          } else if (a.kind === 'remove') {
            const victim = state.pending[a.index % Math.max(1, state.pending.length)];
            if (victim) {
              alive.delete(victim.id);
              state = queueReducer(state, { type: 'removed', ids: [victim.id] });
            }
          }
        });
        const numbers = state.pending.map((p) => p.number);
        expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
        expect(new Set([...ids(state), ...state.running.map((r) => r.id)])).toEqual(alive);
      }),
    );
  });
});
