import type { ExecutionEvent } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { type ClusterMessage, decodeClusterMessage, encodeClusterMessage } from './cluster-message';

const base = { promptId: 'p1', worker: 'w1' } as const;
const events: ExecutionEvent[] = [
  { type: 'execution_start', promptId: 'p1', timestamp: 1 },
  { type: 'executing', promptId: 'p1', nodeId: '3', classType: 'KSampler' },
  { type: 'progress', promptId: 'p1', nodeId: '3', value: 2, max: 20 },
  {
    type: 'executed',
    promptId: 'p1',
    nodeId: '9',
    classType: 'SaveImage',
    output: { images: [{ filename: 'a_00001_.png', subfolder: 'x', type: 'output' }] },
    cached: false,
    durationMs: 12,
  },
];

describe(encodeClusterMessage.name, () => {
  it.each<ClusterMessage>([
    { kind: 'started', ...base },
    { kind: 'deferred', ...base, reason: "no node type 'Foo'" },
    { kind: 'settled', ...base },
    ...events.map((event) => ({ kind: 'event' as const, ...base, event })),
  ])('round-trips a $kind message', (message) => {
    expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual({ ok: true, message });
  });

  it('carries preview bytes after the header, unchanged, with the preview flags', () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255, 7]);
    const event: ExecutionEvent = {
      type: 'progress',
      promptId: 'p1',
      nodeId: '3',
      value: 1,
      max: 2,
      preview: { format: 'PNG', bytes, ...{ essential: true } },
    };
    const encoded = encodeClusterMessage({ kind: 'event', ...base, event });
    expect(encoded.subarray(encoded.length - bytes.length)).toEqual(Buffer.from(bytes));
    expect(decodeClusterMessage(encoded)).toEqual({ ok: true, message: { kind: 'event', ...base, event } });
  });

  it.each([
    ['a short buffer', Buffer.from([0, 0])],
    ['a header longer than the message', Buffer.from([0, 0, 0, 9, 0x7b])],
    ['a header that is not JSON', Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('{')])],
    [
      'an unknown event type',
      encodeClusterMessage({
        kind: 'event',
        ...base,
        event: { type: 'nope', promptId: 'p1' } as unknown as ExecutionEvent,
      }),
    ],
  ])('refuses %s with a reason', (_what, buffer) => {
    expect(decodeClusterMessage(buffer)).toMatchObject({ ok: false, reason: expect.any(String) });
  });
});
