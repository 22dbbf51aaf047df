import { describe, expect, it } from 'vitest';
import { formatDuration, queueRows } from './queue-rows';

const tuple = (n: number, id: string) =>
  [n, id, { '1': {} }, { client_id: 'c' }, ['1']] as [
    number,
    string,
    Record<string, unknown>,
    Record<string, unknown>,
    string[],
  ];

describe(queueRows.name, () => {
  it('lists running, then pending in order, then history newest first', () => {
    const rows = queueRows(
      { queue_running: [tuple(3, 'c')], queue_pending: [tuple(5, 'e'), tuple(4, 'd')] },
      {
        a: {
          prompt: tuple(1, 'a'),
          outputs: { '9': { images: [{ filename: 'x.png', subfolder: '', type: 'output' }] } },
          status: { status_str: 'success', completed: true },
          times: { queued_at: 1, started_at: 10, finished_at: 1510 },
        },
        b: { prompt: tuple(2, 'b'), outputs: {}, status: { status_str: 'error', completed: false } },
      },
    );
    expect(rows.map((r) => [r.promptId, r.status])).toEqual([
      ['c', 'running'],
      ['d', 'pending'],
      ['e', 'pending'],
      ['b', 'error'],
      ['a', 'success'],
    ]);
    expect(rows[4]).toMatchObject({ durationMs: 1500, images: [{ filename: 'x.png' }] });
  });
});

describe(formatDuration.name, () => {
  it.each([
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [245_000, '4 min 05 s'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
