import { describe, expect, it } from 'vitest';
import { redactRedisUrl, zRedisUrl } from './redis-url';

describe(redactRedisUrl.name, () => {
  it.each([
    ['redis://:s3cret@db.local:6380/2', 'redis://:***@db.local:6380/2'],
    ['redis://admin:s3cret@db.local:6379', 'redis://admin:***@db.local:6379'],
    ['rediss://s3cret@db.local', 'rediss://***@db.local'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['not a url s3cret', '<unreadable redis url>'],
  ])('%s -> %s', (url, shown) => {
    expect(redactRedisUrl(url)).toBe(shown);
    expect(redactRedisUrl(url)).not.toContain('s3cret');
  });
});

describe('zRedisUrl', () => {
  it.each(['redis://127.0.0.1:6379', 'redis://:pw@host:1/15', 'rediss://user:pw@host'])(
    'accepts %s',
    (url) => {
      expect(zRedisUrl.safeParse(url).success).toBe(true);
    },
  );

  it.each([
    ['http://:s3cret@host:6379', /must start with redis/],
    ['redis://:s3cret@host:6379/abc', /database number/],
    ['s3cret', /not a URL/],
  ])('refuses %s without showing its password', (url, message) => {
    const parsed = zRedisUrl.safeParse(url);
    expect(parsed.success).toBe(false);
    const text = parsed.error?.issues.map((i) => i.message).join(' ') ?? '';
    expect(text).toMatch(message);
    expect(text).not.toContain('s3cret');
  });
});
