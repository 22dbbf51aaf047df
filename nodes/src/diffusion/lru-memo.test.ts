import { describe, expect, it } from 'vitest';
import { LruMemo } from './lru-memo';

describe(LruMemo.name, () => {
  it('shares one computation between concurrent callers', async () => {
    const memo = new LruMemo<number>(2);
    let made = 0;
    const make = async () => ++made;
    const [a, b] = await Promise.all([memo.get('k', make), memo.get('k', make)]);
    expect([a, b, made]).toEqual([1, 1, 1]);
  });

  it('forgets failures so the next call tries again', async () => {
    const memo = new LruMemo<string>(2);
    await expect(memo.get('k', () => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    await expect(memo.get('k', async () => 'fixed')).resolves.toBe('fixed');
  });

  it('drops the least recently used entry past its size', async () => {
    const memo = new LruMemo<string>(2);
    await memo.get('a', async () => 'a');
    await memo.get('b', async () => 'b');
    await memo.get('a', async () => 'again');
    await memo.get('c', async () => 'c');
    expect(memo.keys()).toEqual(['a', 'c']);
  });

  it('refuses a size below 1', () => {
    expect(() => new LruMemo(0)).toThrow(/maxEntries/);
  });
});
