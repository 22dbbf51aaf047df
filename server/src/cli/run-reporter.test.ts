import { validatePrompt } from '@momaflow/engine';
import { chainPrompt, createTestEnv, createTestNodes } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { createReporter, eventToJson, progressBar } from './run-reporter';

describe(progressBar.name, () => {
  it.each([
    [0, 10, 0],
    [5, 10, 12],
    [10, 10, 24],
    [3, 0, 0],
  ])('%i/%i fills %i cells', (value, max, filled) => {
    expect(progressBar(value, max).split('#').length - 1).toBe(filled);
  });
});

describe(createReporter.name, async () => {
  const { registry } = createTestNodes();
  const checked = await validatePrompt(chainPrompt(3), { registry, env: createTestEnv() });
  if (!checked.ok) throw new Error('invalid');
  const prompt = checked.value;

  it('prints plain lines naming nodes', () => {
    let out = '';
    const reporter = createReporter('plain', prompt, (t) => {
      out += t;
    });
    reporter.onEvent({ type: 'executing', promptId: 'p', nodeId: '1', classType: 'Add' });
    reporter.onEvent({
      type: 'execution_error',
      promptId: 'p',
      nodeId: '1',
      classType: 'Add',
      errorType: 'Error',
      message: 'bad',
      stack: undefined,
      executed: [],
      timings: {},
      timestamp: 0,
    });
    expect(out).toBe('Add #1 ...\nerror in Add #1: bad\n');
  });

  it('redraws progress in place on a TTY', () => {
    let out = '';
    const reporter = createReporter('tty', prompt, (t) => {
      out += t;
    });
    reporter.onEvent({ type: 'progress', promptId: 'p', nodeId: '1', value: 1, max: 2 });
    reporter.onEvent({ type: 'progress', promptId: 'p', nodeId: '1', value: 2, max: 2 });
    reporter.finish();
    expect(out.split('\r\x1b[2K')).toHaveLength(3);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('shows what a node says it is doing beside its bar until it says something else', () => {
    let out = '';
    const reporter = createReporter('plain', prompt, (t) => {
      out += t;
    });
    const progress = (value: number, text?: string) =>
      reporter.onEvent({
        type: 'progress',
        promptId: 'p',
        nodeId: '1',
        value,
        max: 2,
        ...(text === undefined ? {} : { phase: 'session' as const, text }),
      });
    progress(0, 'creating the UNet session');
    progress(2);
    expect(out.trim().split('\n')).toEqual([
      'Add #1 [........................]   0% 0/2 creating the UNet session',
      'Add #1 [########################] 100% 2/2 creating the UNet session',
    ]);
  });

  it('writes one JSON object per event, previews as base64', () => {
    const line = eventToJson({
      type: 'progress',
      promptId: 'p',
      nodeId: '1',
      value: 1,
      max: 2,
      preview: { format: 'PNG', bytes: new Uint8Array([1, 2, 3]) },
    });
    expect(JSON.parse(line)).toEqual({
      type: 'progress',
      promptId: 'p',
      nodeId: '1',
      value: 1,
      max: 2,
      preview: { format: 'PNG', base64: 'AQID' },
    });
  });
});
