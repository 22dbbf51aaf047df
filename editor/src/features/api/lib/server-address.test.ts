import { describe, expect, it } from 'vitest';
import { serverAddress } from './server-address';

describe(serverAddress.name, () => {
  it.each([
    ['http://127.0.0.1:8188/', undefined, 'http://127.0.0.1:8188/api', 'ws://127.0.0.1:8188/ws', undefined],
    [
      'https://host/momaflow/index.html',
      undefined,
      'https://host/momaflow/api',
      'wss://host/momaflow/ws',
      undefined,
    ],
    [
      'http://127.0.0.1:5173/?server=http%3A%2F%2F127.0.0.1%3A9000',
      'kept',
      'http://127.0.0.1:9000/api',
      'ws://127.0.0.1:9000/ws',
      'kept',
    ],
    ['http://127.0.0.1:8188/?token=abc', 'old', 'http://127.0.0.1:8188/api', 'ws://127.0.0.1:8188/ws', 'abc'],
  ])('%s', (page, stored, api, ws, token) => {
    expect(serverAddress(new URL(page), stored)).toEqual({ apiBase: api, wsUrl: ws, token });
  });
});
