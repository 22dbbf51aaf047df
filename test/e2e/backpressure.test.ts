/**
 * Slow clients must not slow execution: a client that stops reading loses preview frames (never JSON
 * frames), while a reading client gets everything and the prompt finishes on time.
 */
import { decodePreviewFrame } from '@momaflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt, request } from './support/http';
import { sleepPrompt } from './support/test-pack';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient } from './support/ws-client';

const STEPS = 200;
const PREVIEW_BYTES = 100 * 1024; // 20 MB of previews in all: more than socket buffers hold

describe('WebSocket backpressure', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      limits: { wsPreviewBufferBytes: 256 * 1024, wsMaxBufferBytes: 256 * 1024 * 1024 },
    });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('drops previews for a client that is not reading, never its JSON frames, and does not wait for it', async () => {
    const slow = await connectClient(t.url, { clientId: 'slow', subscribe: 'all' });
    const fast = await connectClient(t.url, { clientId: 'fast', subscribe: 'all' });
    slow.socket.pause();
    const started = Date.now();
    const id = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 400, steps: STEPS, preview: true, previewBytes: PREVIEW_BYTES, tag: 'bp' }),
    });
    await fast.waitForPromptDone(id, 20_000);
    const elapsed = Date.now() - started;

    const progressOf = (client: typeof fast) =>
      client.promptMessages(id).flatMap((m) => (m.type === 'progress' ? [m.data.value] : []));
    expect(progressOf(fast)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    const fastPreviews = fast.frames.filter((f) => f.kind === 'binary');
    expect(fastPreviews.length).toBeGreaterThan(0);
    for (const frame of fastPreviews) {
      expect(frame.kind === 'binary' && decodePreviewFrame(frame.bytes)?.format).toBe('PNG');
    }

    slow.socket.resume();
    await slow.waitForPromptDone(id, 20_000);
    expect(progressOf(slow)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(slow.promptMessages(id).map((m) => m.type)).toEqual(fast.promptMessages(id).map((m) => m.type));
    const slowPreviews = slow.frames.filter((f) => f.kind === 'binary').length;
    expect(slowPreviews).toBeLessThan(STEPS);
    const stats = await request(t.url, '/api/system_stats');
    expect(stats.body).toMatchObject({
      websocket: { droppedPreviews: 2 * STEPS - slowPreviews - fastPreviews.length },
    });
    // The prompt ran at its own pace (400 ms of sleeping), not the slow reader's.
    expect(elapsed).toBeLessThan(10_000);
    await Promise.all([slow.close(), fast.close()]);
  });
});
