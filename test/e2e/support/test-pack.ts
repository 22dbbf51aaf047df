/**
 * @module
 * A tiny node pack with controllable timing for the server tests: a number source, a sleep that
 * honours interruption and reports progress (optionally with a preview image), an output node and a
 * node that fails. It counts finished runs per tag, so tests can assert "exactly once".
 */
import { type AnyNodeDefinition, defineNode, Input } from '@momaflow/engine';
import { encodePng } from './png';

const PREVIEW = encodePng(2, 2, [255, 0, 0, 255]);

function padded(size: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, PREVIEW.length));
  bytes.set(PREVIEW);
  return bytes;
}

export interface TestPack {
  readonly nodes: readonly AnyNodeDefinition[];
  /** Finished (not interrupted) TestSleep runs, by tag. */
  readonly finished: Map<string, number>;
  /** Started TestSleep runs, by tag. */
  readonly started: Map<string, number>;
}

export function createTestPack(): TestPack {
  const finished = new Map<string, number>();
  const started = new Map<string, number>();
  const bump = (map: Map<string, number>, tag: string) => map.set(tag, (map.get(tag) ?? 0) + 1);

  const TestNumber = defineNode({
    type: 'TestNumber',
    category: 'test',
    inputs: { value: Input.int({ default: 0, min: -1_000_000_000, max: 1_000_000_000 }) },
    outputs: [{ type: 'INT' }],
    run: (_ctx, { value }) => [value],
  });
  const TestSleep = defineNode({
    type: 'TestSleep',
    category: 'test',
    inputs: {
      value: Input.link('INT'),
      ms: Input.int({ default: 0, min: 0, max: 120_000 }),
      steps: Input.int({ default: 1, min: 1, max: 1000 }),
      preview: Input.boolean({ default: false }),
      /** Pad previews to this size (0: a real 2x2 PNG), to fill socket buffers in backpressure tests. */
      preview_bytes: Input.int({ default: 0, min: 0, max: 4 * 1024 * 1024 }),
      tag: Input.string({ default: '' }),
    },
    outputs: [{ type: 'INT' }],
    run: async (ctx, { value, ms, steps, preview, preview_bytes, tag }) => {
      bump(started, tag);
      const image = preview_bytes > 0 ? padded(preview_bytes) : PREVIEW;
      for (let step = 1; step <= steps; step++) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms / steps);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new DOMException('interrupted', 'AbortError'));
          });
        });
        ctx.progress(step, steps, preview ? { format: 'PNG', bytes: image } : undefined);
      }
      bump(finished, tag);
      return [value];
    },
  });
  const TestShow = defineNode({
    type: 'TestShow',
    category: 'test',
    output: true,
    inputs: { value: Input.link('INT') },
    outputs: [],
    run: (_ctx, { value }) => ({ outputs: [], ui: { text: [String(value)] } }),
  });
  const TestFail = defineNode({
    type: 'TestFail',
    category: 'test',
    inputs: { value: Input.link('INT') },
    outputs: [{ type: 'INT' }],
    run: () => {
      throw new Error('TestFail failed on purpose');
    },
  });
  return { nodes: [TestNumber, TestSleep, TestShow, TestFail], finished, started };
}

/** number -> sleep(ms) -> show: a prompt whose run takes about `ms`, unique per `tag`. */
export function sleepPrompt(options: {
  ms: number;
  tag: string;
  value?: number;
  steps?: number;
  preview?: boolean;
  previewBytes?: number;
}) {
  return {
    '1': { class_type: 'TestNumber', inputs: { value: options.value ?? 1 } },
    '2': {
      class_type: 'TestSleep',
      inputs: {
        value: ['1', 0],
        ms: options.ms,
        steps: options.steps ?? 1,
        preview: options.preview ?? false,
        preview_bytes: options.previewBytes ?? 0,
        tag: options.tag,
      },
    },
    '3': { class_type: 'TestShow', inputs: { value: ['2', 0] } },
  };
}
