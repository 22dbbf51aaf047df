import { readdir } from 'node:fs/promises';
import { type PreviewImage, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image';
import { byteImage, createTempEnv, type TempEnv } from './image-test-utils';
import { readPngText } from './png-text-chunks';
import { SaveImageWebsocket } from './save-image-websocket';

let t: TempEnv;
beforeEach(async () => {
  t = await createTempEnv();
});
afterEach(async () => {
  await t.cleanup();
});

describe('SaveImageWebsocket', () => {
  it('reports each image as an essential PNG frame, bit-exact, with no metadata and no file', async () => {
    const first = byteImage(5, 7, 3, 1);
    const second = byteImage(5, 7, 3, 2);
    const batch = new Tensor('float32', [2, 5, 7, 3], Float32Array.from([...first.data, ...second.data]));
    const frames: [number, number, PreviewImage | undefined][] = [];
    const result = await SaveImageWebsocket.run(
      {
        nodeId: '1',
        promptId: 'p',
        source: { prompt: { '1': {} }, workflow: { nodes: {} } },
        signal: new AbortController().signal,
        log: SILENT_LOGGER,
        env: t.env,
        progress: (value, max, preview) => frames.push([value, max, preview]),
      },
      { images: batch },
    );
    expect(result).toEqual({ outputs: [] });
    // ComfyUI's progress bar: update_absolute(step, N) for step 0..N-1, each with a PNG.
    expect(frames.map(([value, max, p]) => [value, max, p?.format, p?.essential])).toEqual([
      [0, 2, 'PNG', true],
      [1, 2, 'PNG', true],
    ]);
    for (const [i, image] of [first, second].entries()) {
      const bytes = frames[i]![2]!.bytes;
      expect((await decodeImage(bytes)).image.data).toEqual(image.data);
      expect(readPngText(Buffer.from(bytes))).toEqual({});
    }
    const written = await Promise.all(
      [t.env.dirs.output, t.env.dirs.temp].map((dir) => readdir(dir).catch(() => [])),
    );
    expect(written.flat()).toEqual([]);
  });

  it('always re-runs (a cached result would send no frames)', () => {
    expect(SaveImageWebsocket.notIdempotent).toBe(true);
    expect(SaveImageWebsocket.output).toBe(true);
  });
});
