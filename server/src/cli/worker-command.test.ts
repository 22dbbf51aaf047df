import { describe, expect, it } from 'vitest';
import { main } from './main';
import { memoryIo } from './memory-io';
import { workerCommand } from './worker-command';

describe(workerCommand.name, () => {
  // Checked before Redis is reached: the queue URL never needs to answer.
  const QUEUE = ['--queue', 'redis://127.0.0.1:1'];

  it.each([
    [['--threads', '0'], /--threads must be a positive integer, got '0'/],
    [['--threads', 'abc'], /--threads must be a positive integer, got 'abc'/],
    [['--threads', '2.5'], /--threads must be a positive integer, got '2.5'/],
    [['--threads'], /--threads.*argument missing/],
    [['--cache-ram', 'lots'], /--cache-ram must be a number of GiB \(0 or more\), got 'lots'/],
  ])('exits 2 with the usage for %j, as run does', async (args, message) => {
    const { io, err, out } = memoryIo();
    expect(await main(['worker', ...QUEUE, ...args], io)).toBe(2);
    expect(err()).toMatch(message);
    expect(err()).toMatch(/usage:\n {2}momaflow worker .*\[--threads N\]/s);
    expect(out()).toBe('');
  });

  it('reads --threads as run reads it', async () => {
    const worker = memoryIo();
    const run = memoryIo();
    expect(await main(['worker', ...QUEUE, '--threads=-1'], worker.io)).toBe(2);
    expect(await main(['run', 'x.json', '--threads=-1'], run.io)).toBe(2);
    const firstLine = (text: string) => text.split('\n')[0];
    expect(firstLine(worker.err())).toBe(firstLine(run.err()));
  });
});
