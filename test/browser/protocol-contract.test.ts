/**
 * The editor parses the server's WebSocket frames with its own zod schemas (the server declares them
 * as types only) and reads preview frames through the server's decoder; these tests feed both what
 * the server really produces for every executor event type.
 */
import type { ExecutionEvent } from '@momaflow/engine/protocol';
import {
  encodePreviewFrame,
  promptDoneMessage,
  statusMessage,
  toWireMessage,
} from '@momaflow/server/protocol';
import { describe, expect, it } from 'vitest';
import { decodePreviewFrame } from '../../editor/src/features/execution/lib/preview-frame';
import { zWireMessage } from '../../editor/src/features/execution/lib/wire-schema';

const EVENTS: ExecutionEvent[] = [
  { type: 'execution_start', promptId: 'p', timestamp: 1 },
  { type: 'execution_cached', promptId: 'p', nodes: ['1'], timestamp: 1 },
  { type: 'executing', promptId: 'p', nodeId: '2', classType: 'X' },
  { type: 'progress', promptId: 'p', nodeId: '2', value: 1, max: 4 },
  {
    type: 'executed',
    promptId: 'p',
    nodeId: '3',
    classType: 'SaveImage',
    output: { images: [{ filename: 'a.png', subfolder: 's', type: 'output' }], text: ['hi'] },
    cached: false,
    durationMs: 3,
  },
  {
    type: 'execution_error',
    promptId: 'p',
    nodeId: '2',
    classType: 'X',
    errorType: 'Error',
    message: 'boom',
    stack: undefined,
    executed: ['1'],
    timings: {},
    timestamp: 2,
  },
  {
    type: 'execution_interrupted',
    promptId: 'p',
    nodeId: null,
    classType: null,
    executed: [],
    timings: {},
    timestamp: 2,
  },
  { type: 'execution_success', promptId: 'p', timings: {}, durationMs: 9, timestamp: 3 },
];

describe('editor wire schema', () => {
  it.each(EVENTS.map((e) => [e.type, e] as const))(
    'parses the server’s %s message unchanged',
    (_type, event) => {
      const wire = JSON.parse(JSON.stringify(toWireMessage(event))) as unknown;
      expect(zWireMessage.parse(wire)).toEqual(wire);
    },
  );

  it('parses status and end-of-prompt messages', () => {
    for (const message of [statusMessage(2, 'sid'), promptDoneMessage('p')]) {
      const wire = JSON.parse(JSON.stringify(message)) as unknown;
      expect(zWireMessage.parse(wire)).toEqual(wire);
    }
  });

  it.each([
    ['JPEG', 'image/jpeg'],
    ['PNG', 'image/png'],
    ['WEBP', 'image/webp'],
  ] as const)('decodes the server’s %s preview frames', (format, mime) => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(decodePreviewFrame(encodePreviewFrame({ format, bytes }))).toEqual({ mime, bytes });
  });
});
