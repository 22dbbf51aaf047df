import type { ExecutionEvent } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { promptDoneMessage, statusMessage, toWireMessage } from './to-wire-message';

const EVENTS: readonly [ExecutionEvent, unknown][] = [
  [
    { type: 'execution_start', promptId: 'p', timestamp: 1 },
    { type: 'execution_start', data: { prompt_id: 'p', timestamp: 1 } },
  ],
  [
    { type: 'execution_cached', promptId: 'p', nodes: ['1'], timestamp: 2 },
    { type: 'execution_cached', data: { prompt_id: 'p', nodes: ['1'], timestamp: 2 } },
  ],
  [
    { type: 'executing', promptId: 'p', nodeId: '3', classType: 'X' },
    { type: 'executing', data: { prompt_id: 'p', node: '3', display_node: '3' } },
  ],
  [
    {
      type: 'progress',
      promptId: 'p',
      nodeId: '3',
      value: 2,
      max: 5,
      preview: { format: 'PNG', bytes: new Uint8Array(3) },
    },
    { type: 'progress', data: { prompt_id: 'p', node: '3', value: 2, max: 5 } },
  ],
  [
    {
      type: 'progress',
      promptId: 'p',
      nodeId: '3',
      value: 0,
      max: 5,
      phase: 'session',
      text: 'creating the UNet session',
    },
    {
      type: 'progress',
      data: {
        prompt_id: 'p',
        node: '3',
        value: 0,
        max: 5,
        phase: 'session',
        text: 'creating the UNet session',
      },
    },
  ],
  [
    {
      type: 'executed',
      promptId: 'p',
      nodeId: '4',
      classType: 'Save',
      output: { text: ['hi'] },
      cached: false,
      durationMs: 3,
    },
    {
      type: 'executed',
      data: { prompt_id: 'p', node: '4', display_node: '4', output: { text: ['hi'] }, cached: false },
    },
  ],
  [
    {
      type: 'execution_error',
      promptId: 'p',
      nodeId: '5',
      classType: 'Boom',
      errorType: 'Error',
      message: 'failed',
      stack: 'Error: failed\n    at secret.ts:1:1',
      executed: ['1'],
      timings: { '1': 2 },
      timestamp: 4,
    },
    {
      type: 'execution_error',
      data: {
        prompt_id: 'p',
        node_id: '5',
        node_type: 'Boom',
        executed: ['1'],
        exception_message: 'failed',
        exception_type: 'Error',
        traceback: [],
        timestamp: 4,
      },
    },
  ],
  [
    {
      type: 'execution_interrupted',
      promptId: 'p',
      nodeId: null,
      classType: null,
      executed: [],
      timings: {},
      timestamp: 5,
    },
    {
      type: 'execution_interrupted',
      data: { prompt_id: 'p', node_id: null, node_type: null, executed: [], timestamp: 5 },
    },
  ],
  [
    { type: 'execution_success', promptId: 'p', timings: {}, durationMs: 7, timestamp: 6 },
    { type: 'execution_success', data: { prompt_id: 'p', timestamp: 6, duration_ms: 7 } },
  ],
];

describe(toWireMessage.name, () => {
  it.each(EVENTS.map(([event, wire]) => [event.type, event, wire] as const))(
    'maps %s',
    (_type, event, wire) => {
      expect(toWireMessage(event)).toEqual(wire);
    },
  );

  it('never puts a stack trace or preview bytes on the wire', () => {
    const text = JSON.stringify(EVENTS.map(([event]) => toWireMessage(event)));
    expect(text).not.toContain('secret.ts');
    expect(text).not.toContain('preview');
  });

  it('builds the end-of-prompt and status frames', () => {
    expect(promptDoneMessage('p')).toEqual({
      type: 'executing',
      data: { prompt_id: 'p', node: null, display_node: null },
    });
    expect(statusMessage(3, 'me')).toEqual({
      type: 'status',
      data: { status: { exec_info: { queue_remaining: 3 } }, sid: 'me' },
    });
    expect(statusMessage(0)).toEqual({
      type: 'status',
      data: { status: { exec_info: { queue_remaining: 0 } } },
    });
  });
});
