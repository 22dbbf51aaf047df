import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt } from './support/http';
import { sleepPrompt } from './support/test-pack';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient, promptIdOf } from './support/ws-client';

describe('WebSocket routing', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('sends each client only the events of its own prompts; subscribe=all gets both', async () => {
    const alice = await connectClient(t.url, { clientId: 'alice' });
    const bob = await connectClient(t.url, { clientId: 'bob' });
    const watcher = await connectClient(t.url, { clientId: 'watcher', subscribe: 'all' });
    const a = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 20, tag: 'iso-a', value: 11 }),
      client_id: 'alice',
    });
    const b = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 20, tag: 'iso-b', value: 12 }),
      client_id: 'bob',
    });
    await Promise.all([alice.waitForPromptDone(a), bob.waitForPromptDone(b)]);
    await Promise.all([watcher.waitForPromptDone(a), watcher.waitForPromptDone(b)]);

    const promptIds = (messages: ReturnType<typeof alice.messages>) =>
      new Set(messages.map(promptIdOf).filter((id) => id !== undefined));
    expect(promptIds(alice.messages())).toEqual(new Set([a]));
    expect(promptIds(bob.messages())).toEqual(new Set([b]));
    expect(promptIds(watcher.messages())).toEqual(new Set([a, b]));
    // Everyone hears the queue status, and the first frame names the client.
    expect(alice.messages()[0]).toMatchObject({ type: 'status', data: { sid: 'alice' } });
    expect(bob.messages()[0]).toMatchObject({ type: 'status', data: { sid: 'bob' } });
    // Both prompts ran the same graph (different values, so nothing cached): the same frames.
    expect(alice.promptMessages(a).map((m) => m.type)).toEqual(bob.promptMessages(b).map((m) => m.type));
    await Promise.all([alice.close(), bob.close(), watcher.close()]);
  });

  it('lets a client switch to all prompts with a subscribe message, and rejects bad messages', async () => {
    const carol = await connectClient(t.url, { clientId: 'carol' });
    carol.send(JSON.stringify({ type: 'subscribe', data: { all: true } }));
    carol.send('not json');
    await carol.waitFor((m) => m.type === 'error');
    const other = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 5, tag: 'iso-c' }),
      client_id: 'dave',
    });
    await carol.waitForPromptDone(other);
    expect(carol.promptMessages(other)[0]?.type).toBe('execution_start');
    await carol.close();
  });

  it('gives a client without an id a generated one', async () => {
    const anonymous = await connectClient(t.url);
    const status = await anonymous.waitFor((m) => m.type === 'status');
    expect(status.type === 'status' && status.data.sid).toMatch(/^[0-9a-f]{32}$/);
    await anonymous.close();
  });
});
