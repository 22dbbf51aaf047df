import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt, request } from './support/http';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient } from './support/ws-client';

describe('a node that fails', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('reports execution_error without a stack trace, records it, and the queue goes on', async () => {
    const client = await connectClient(t.url, { clientId: 'fails' });
    const failing = await queuePrompt(t.url, {
      client_id: 'fails',
      prompt: {
        '1': { class_type: 'TestNumber', inputs: { value: 4 } },
        '2': { class_type: 'TestFail', inputs: { value: ['1', 0] } },
        '3': { class_type: 'TestShow', inputs: { value: ['2', 0] } },
      },
    });
    const after = await queuePrompt(t.url, {
      client_id: 'fails',
      prompt: {
        '1': { class_type: 'TestNumber', inputs: { value: 5 } },
        '2': { class_type: 'TestShow', inputs: { value: ['1', 0] } },
      },
    });
    await client.waitForPromptDone(failing);
    const error = client.promptMessages(failing).find((m) => m.type === 'execution_error');
    expect(error).toEqual({
      type: 'execution_error',
      data: {
        prompt_id: failing,
        node_id: '2',
        node_type: 'TestFail',
        executed: ['1'],
        exception_message: 'TestFail failed on purpose',
        exception_type: 'Error',
        traceback: [],
        timestamp: expect.any(Number),
      },
    });
    expect(JSON.stringify(client.messages())).not.toMatch(/test-pack\.ts|\n\s+at /);

    const history = await request(t.url, `/api/history/${failing}`);
    expect(history.body).toMatchObject({
      [failing]: {
        status: { status_str: 'error', completed: false },
        error: { nodeId: '2', classType: 'TestFail', message: 'TestFail failed on purpose' },
      },
    });
    expect(JSON.stringify(history.body)).not.toContain('stack');
    await client.waitForPromptDone(after);
    expect(client.promptMessages(after).map((m) => m.type)).toContain('execution_success');
    await client.close();
  });
});
