import type { ExecutionEvent, FileRef, UiOutput } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { createPromptOutbox } from './prompt-outbox';

const ref: FileRef = { filename: 'a_00001_.png', subfolder: 'x', type: 'output' };
const executed = (output: UiOutput): ExecutionEvent => ({
  type: 'executed',
  promptId: 'p',
  nodeId: '9',
  classType: 'SaveImage',
  output,
  cached: false,
  durationMs: 1,
});

describe(createPromptOutbox.name, () => {
  it('sends events in order, an executed one after its files are uploaded and renamed', async () => {
    const sent: ExecutionEvent[] = [];
    const log: string[] = [];
    const uploaded = new Map<string, FileRef>();
    const outbox = createPromptOutbox({
      send: async (event) => {
        log.push(`send ${event.type}`);
        sent.push(event);
      },
      upload: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push(`upload ${r.filename}`);
        return { ...r, filename: 'a_00001_ (1).png' };
      },
      uploaded,
    });
    outbox.push({ type: 'execution_start', promptId: 'p', timestamp: 1 });
    outbox.push(executed({ images: [ref], text: ['hi'] }));
    outbox.push({ type: 'execution_success', promptId: 'p', timings: {}, durationMs: 3, timestamp: 2 });
    await outbox.drain();
    expect(log).toEqual([
      'send execution_start',
      'upload a_00001_.png',
      'send executed',
      'send execution_success',
    ]);
    expect(sent[1]).toMatchObject({
      output: { images: [{ ...ref, filename: 'a_00001_ (1).png' }], text: ['hi'] },
    });
    expect(outbox.failure()).toBeUndefined();

    // A cached re-run names the same local file: it is not uploaded again.
    const again = createPromptOutbox({
      send: async () => {},
      upload: async () => expect.fail('uploaded twice'),
      uploaded,
    });
    again.push(executed({ images: [ref] }));
    await again.drain();
    expect(again.failure()).toBeUndefined();
  });

  it('keeps going after a failed upload and reports the first failure', async () => {
    const sent: string[] = [];
    const outbox = createPromptOutbox({
      send: async (event) => void sent.push(event.type),
      upload: async () => {
        throw new Error('server away');
      },
      uploaded: new Map(),
    });
    outbox.push(executed({ images: [ref] }));
    outbox.push({ type: 'execution_success', promptId: 'p', timings: {}, durationMs: 3, timestamp: 2 });
    await outbox.drain();
    expect(sent).toEqual(['execution_success']);
    expect(outbox.failure()).toBe('server away');
  });

  it('sends references unchanged when the folders are shared', async () => {
    const sent: ExecutionEvent[] = [];
    const outbox = createPromptOutbox({
      send: async (e) => void sent.push(e),
      upload: undefined,
      uploaded: new Map(),
    });
    outbox.push(executed({ images: [ref] }));
    await outbox.drain();
    expect(sent[0]).toMatchObject({ output: { images: [ref] } });
  });
});
