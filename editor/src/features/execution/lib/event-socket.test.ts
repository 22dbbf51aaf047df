import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectEventSocket } from './event-socket';
import type { WireMessage } from './wire-schema';

class FakeSocket {
  static all: FakeSocket[] = [];
  binaryType = 'blob';
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.onclose?.();
  }
}

describe(connectEventSocket.name, () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  it('parses frames, reconnects with backoff and reports the reconnect', async () => {
    const messages: WireMessage[] = [];
    const previews: Blob[] = [];
    const statuses: string[] = [];
    let reconnects = 0;
    const socket = connectEventSocket({
      url: 'ws://127.0.0.1:1/ws',
      clientId: 'c1',
      token: 'secret-token',
      onMessage: (m) => messages.push(m),
      onPreview: (b) => previews.push(b),
      onStatus: (s) => statuses.push(s),
      onReconnected: () => reconnects++,
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    const first = FakeSocket.all[0]!;
    expect(first.url).toBe('ws://127.0.0.1:1/ws?clientId=c1&token=secret-token');
    first.onopen?.();
    first.onmessage?.({
      data: JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 2 } } } }),
    });
    first.onmessage?.({ data: '{not json' });
    first.onmessage?.({ data: JSON.stringify({ type: 'brand_new_event', data: {} }) });
    const frame = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2, 0x89, 0x50]);
    first.onmessage?.({ data: frame.buffer });
    expect(messages.map((m) => m.type)).toEqual(['status']);
    expect(previews[0]?.type).toBe('image/png');

    first.onclose?.();
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.onopen?.();
    expect(reconnects).toBe(1);
    expect(statuses).toEqual(['connecting', 'open', 'closed', 'connecting', 'open']);

    socket.close();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(FakeSocket.all).toHaveLength(2);
  });
});
