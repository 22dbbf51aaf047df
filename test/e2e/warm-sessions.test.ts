/**
 * Acceptance (issue 16): the server keeps its onnxruntime sessions between prompts. Two txt2img
 * prompts on the tiny checkpoint, the second with another prompt text and seed (so the text encoder,
 * the sampler and the decoder all run again): the first creates the text encoder, UNet and VAE decoder
 * sessions, the second creates none and reports no graph preparation or session creation, so its
 * first step starts on a loaded session like its later ones. With a RAM budget for sessions too
 * small for them (`--cache-ram`), each creation closes the idle ones, so the second prompt creates all
 * three again. Sessions are counted from the session cache's own log line, which every creation writes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@momaflow/engine';
import { makeTinySd15 } from '@momaflow/nodes';
import type { WireMessage } from '@momaflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt } from './support/http';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient, type TestClient } from './support/ws-client';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface SavedWorkflow {
  nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
}

/** A server on the tiny checkpoint that runs txt2img prompts and counts the sessions it creates. */
function txt2imgServer(options: { cacheRamBytes?: number }) {
  let t: TestServer;
  let client: TestClient;
  let workflow: SavedWorkflow;
  const created: string[] = [];
  beforeAll(async () => {
    t = await startTestServer({
      ...options,
      log: createLogger((_level, message, data) => {
        if (message === 'onnx session created') created.push(String(data.key));
      }),
    });
    await makeTinySd15({ modelsDir: path.join(t.dataDir, 'models') });
    workflow = JSON.parse(await readFile(path.join(REPO, 'workflows', 'txt2img.json'), 'utf8'));
    Object.assign(workflow.nodes['5']!.inputs, { width: 64, height: 64 });
    Object.assign(workflow.nodes['3']!.inputs, { steps: 3 });
    client = await connectClient(t.url, { clientId: 'warm' });
  });
  afterAll(async () => {
    await client.close();
    await t.dispose();
  });

  async function run(text: string, seed: number): Promise<WireMessage[]> {
    Object.assign(workflow.nodes['6']!.inputs, { text });
    Object.assign(workflow.nodes['3']!.inputs, { seed });
    const id = await queuePrompt(t.url, { prompt: workflow, client_id: 'warm' });
    await client.waitForPromptDone(id, 60_000);
    const messages = client.promptMessages(id);
    expect(messages.map((m) => m.type)).toContain('execution_success');
    return messages;
  }
  return { created, run };
}

const loadingReports = (messages: WireMessage[]) =>
  messages.flatMap((m) =>
    m.type === 'progress' && (m.data.phase === 'build' || m.data.phase === 'session')
      ? [`${m.data.node}: ${m.data.text}`]
      : [],
  );

const ranNodes = (messages: WireMessage[]) =>
  messages.flatMap((m) => (m.type === 'executing' && m.data.node !== null ? [m.data.node] : []));

describe('the server between two prompts on the same checkpoint', () => {
  const { created, run } = txt2imgServer({});

  it('creates each session once and reuses them for the next prompt', async () => {
    const first = await run('a lighthouse at dusk', 1);
    expect(created).toHaveLength(3);
    expect(loadingReports(first)).toEqual(
      expect.arrayContaining(['6: creating the text encoder session', '3: creating the UNet session']),
    );

    const second = await run('a cabin in the snow', 2);
    expect(ranNodes(second)).toEqual(expect.arrayContaining(['6', '3', '8']));
    expect(created).toHaveLength(3);
    expect(loadingReports(second)).toEqual([]);
  });
});

describe('the server between two prompts with a session RAM budget smaller than the sessions', () => {
  const { created, run } = txt2imgServer({ cacheRamBytes: 1 });

  it('closes idle sessions to open the next, so the second prompt creates them again', async () => {
    await run('a lighthouse at dusk', 1);
    expect(created).toHaveLength(3);
    const second = await run('a cabin in the snow', 2);
    expect(ranNodes(second)).toEqual(expect.arrayContaining(['6', '3', '8']));
    expect(created).toHaveLength(6);
    expect(created.slice(3).sort()).toEqual(created.slice(0, 3).sort());
    expect(loadingReports(second)).toEqual(
      expect.arrayContaining(['6: creating the text encoder session', '3: creating the UNet session']),
    );
  });
});
