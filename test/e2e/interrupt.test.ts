import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorType, postJson, queuePrompt, request } from './support/http';
import { sleepPrompt } from './support/test-pack';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient } from './support/ws-client';

describe('POST /api/interrupt', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('interrupts the running prompt, records it, and goes on with the next one', async () => {
    const client = await connectClient(t.url, { clientId: 'int' });
    const long = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 60_000, tag: 'int-long' }),
      client_id: 'int',
    });
    const next = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 10, tag: 'int-next' }),
      client_id: 'int',
    });
    await client.waitFor((m) => m.type === 'executing' && m.data.prompt_id === long && m.data.node === '2');
    const started = Date.now();
    const res = await postJson(t.url, '/api/interrupt', {});
    expect(res).toMatchObject({ status: 200, body: { interrupted: long } });
    await client.waitForPromptDone(long);
    expect(Date.now() - started).toBeLessThan(5_000);
    const types = client.promptMessages(long).map((m) => m.type);
    expect(types.slice(-2)).toEqual(['execution_interrupted', 'executing']);
    expect(types).not.toContain('execution_success');
    await client.waitForPromptDone(next);
    expect(client.promptMessages(next).map((m) => m.type)).toContain('execution_success');

    const history = await request(t.url, `/api/history/${long}`);
    expect(history.body).toMatchObject({
      [long]: { status: { status_str: 'interrupted', completed: false } },
    });
    expect(t.pack.finished.get('int-long')).toBeUndefined();
    await client.close();
  });

  it('interrupts by id: the running prompt only if it is that one, a pending one by cancelling it', async () => {
    const client = await connectClient(t.url, { clientId: 'int2' });
    const running = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 60_000, tag: 'int-run' }),
      client_id: 'int2',
    });
    const pending = await queuePrompt(t.url, {
      prompt: sleepPrompt({ ms: 60_000, tag: 'int-pend' }),
      client_id: 'int2',
    });
    await client.waitFor(
      (m) => m.type === 'executing' && m.data.prompt_id === running && m.data.node === '2',
    );

    expect(await postJson(t.url, '/api/interrupt', { prompt_id: pending })).toMatchObject({
      status: 200,
      body: { cancelled: pending, interrupted: null },
    });
    const queue = (await request(t.url, '/api/queue')).body as {
      queue_pending: unknown[];
      queue_running: unknown[][];
    };
    expect(queue.queue_pending).toEqual([]);
    expect(queue.queue_running.map((item) => item[1])).toEqual([running]);
    const missing = await postJson(t.url, '/api/interrupt', { prompt_id: 'no-such-prompt' });
    expect([missing.status, errorType(missing.body)]).toEqual([404, 'not_found']);

    expect(await postJson(t.url, '/api/interrupt', { prompt_id: running })).toMatchObject({
      body: { interrupted: running },
    });
    await client.waitForPromptDone(running);
    const again = await postJson(t.url, '/api/interrupt', { prompt_id: running });
    expect([again.status, errorType(again.body)]).toEqual([409, 'conflict']);
    const cancelled = await request(t.url, `/api/history/${pending}`);
    expect(cancelled.body).toMatchObject({ [pending]: { status: { status_str: 'interrupted' } } });
    expect(t.pack.started.get('int-pend')).toBeUndefined();
    await client.close();
  });
});
