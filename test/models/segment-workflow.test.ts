/**
 * Acceptance: `workflows/segment-subject.json` (LoadImage -> Segment -> SaveImage of the mask and of
 * the cut-out on white) runs headlessly with `momaflow run`: always on a tiny "red is the subject"
 * model made by the graph builder (the mechanics, checked pixel by pixel), and as shipped on the real
 * default model from models/segment (skipped with a message when it is absent outside CI).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeImage, encodePng } from '@momaflow/nodes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redOnBlue, TINY_SEGMENT_CONFIG, writeTinySegmentModel } from '../../nodes/src/segment/test-support';
import { main } from '../../server/src/cli/main';
import { memoryIo } from '../../server/src/cli/memory-io';
import { REPO_MODELS, realModelPath } from './real-models';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKFLOW = path.join(ROOT, 'workflows/segment-subject.json');
const isnet = realModelPath('segment/isnet.onnx', 'momaflow models pull segment-isnet');

let data: string;
beforeEach(async () => {
  data = await mkdtemp(path.join(tmpdir(), 'momaflow-segment-workflow-'));
  await mkdir(path.join(data, 'input'));
});
afterEach(() => rm(data, { recursive: true, force: true }));

/** Runs the workflow; returns the files it wrote, by SaveImage prefix. */
async function runWorkflow(set: readonly string[]): Promise<{ mask: string; onWhite: string }> {
  const { io, out, err } = memoryIo();
  const code = await main(['run', WORKFLOW, '--data', data, ...set.flatMap((s) => ['--set', s])], io);
  expect({ code, err: err(), out: code === 0 ? '' : out() }).toEqual({ code: 0, err: '', out: '' });
  const written = out()
    .split('\n')
    .filter((l) => l.startsWith('wrote '))
    .map((l) => l.slice(6));
  const mask = written.find((f) => f.includes(`segment-subject${path.sep}mask`));
  const onWhite = written.find((f) => f.includes(`segment-subject${path.sep}on-white`));
  expect(mask).toBeDefined();
  expect(onWhite).toBeDefined();
  return { mask: mask!, onWhite: onWhite! };
}

describe('workflows/segment-subject.json', () => {
  it('runs on a tiny model and saves the subject mask and the cut-out on white', async () => {
    const subject = (x: number, y: number) => x >= 8 && x < 24 && y >= 6 && y < 18;
    const photo = redOnBlue(32, 24, subject);
    await writeFile(path.join(data, 'input', 'photo.png'), await encodePng(photo));
    await writeTinySegmentModel(path.join(data, 'models', 'segment'), 'tiny-red', {
      config: { ...TINY_SEGMENT_CONFIG, inputSize: 32 },
    });
    const files = await runWorkflow(['1.image=photo.png', '2.model_name=tiny-red.onnx', '3.resolution=64']);
    const mask = (await decodeImage(await readFile(files.mask))).image;
    const onWhite = (await decodeImage(await readFile(files.onWhite))).image;
    expect(mask.shape).toEqual([1, 24, 32, 3]);
    const byte = (v: number) => Math.round(v * 255);
    // Away from the subject's edge (resampled to 64x64 and back) the mask is exact; everywhere the
    // cut-out is the photo where the mask is 1 and white where it is 0.
    const nearEdge = (x: number, y: number) =>
      [-1, 0, 1].some((dy) => [-1, 0, 1].some((dx) => subject(x + dx, y + dy) !== subject(x, y)));
    let errors = 0;
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 32; x++) {
        const p = (y * 32 + x) * 3;
        const m = mask.data[p]!;
        expect([0, 1]).toContain(m);
        if (!nearEdge(x, y) && m !== (subject(x, y) ? 1 : 0)) errors++;
        const expected = m === 1 ? [...photo.data.slice(p, p + 3)].map(byte) : [255, 255, 255];
        expect([...onWhite.data.slice(p, p + 3)].map(byte)).toEqual(expected);
      }
    }
    expect(errors).toBe(0);
  });

  it.skipIf(isnet === undefined)(
    'runs as shipped on the default IS-Net model',
    async () => {
      await copyFile(path.join(ROOT, 'input/subject.png'), path.join(data, 'input/subject.png'));
      await symlink(REPO_MODELS, path.join(data, 'models'));
      const files = await runWorkflow([]);
      const mask = (await decodeImage(await readFile(files.mask))).image;
      let subject = 0;
      for (let p = 0; p < mask.size; p += 3) subject += mask.data[p]!;
      const share = subject / (mask.size / 3);
      // input/subject.png is a coloured ball on white: a clear subject covering about a third of it.
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.9);
    },
    120_000,
  );
});
