import { describe, expect, it } from 'vitest';
import { main } from './main';
import { memoryIo } from './memory-io';

const COMMANDS = [
  ['--help'],
  ['run', '--help'],
  ['run', 'x.json', '-h'],
  ['serve', '--help'],
  ['worker', '--help'],
  ['models', '--help'],
  ['models', 'make-tiny', '--help'],
  ['models', 'pull', '--help'],
  ['models', 'list', '--help'],
  ['nodes', '--help'],
  ...['new', 'add', 'list', 'remove', 'update', 'enable', 'disable'].map((sub) => ['nodes', sub, '--help']),
];

describe('--help', () => {
  it.each(COMMANDS)('momaflow %s ... prints its usage and exits 0', async (...args) => {
    const { io, out, err } = memoryIo();
    expect(await main(args, io)).toBe(0);
    expect(out()).toMatch(/^usage:\n {2}momaflow /);
    expect(err()).toBe('');
  });
});
