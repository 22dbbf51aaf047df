/**
 * Acceptance: `workflows/controlnet-canny.json` runs on the tiny default model and ControlNet from
 * the command line as a user runs it (`momaflow models make-tiny`, then `momaflow run` in a fresh data
 * folder holding the example hint image), and saves the hint and the result. Smaller and shorter than
 * the file's settings (the latent at half the hint's size, so the hint is resized with a note).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { recordingIo } from './recording-io';

const WORKFLOW = fileURLToPath(new URL('../../workflows/controlnet-canny.json', import.meta.url));
const HINT = fileURLToPath(new URL('../../input/controlnet-house.png', import.meta.url));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-controlnet-'));
  await mkdir(join(root, 'input'));
  await copyFile(HINT, join(root, 'input', 'controlnet-house.png'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('workflows/controlnet-canny.json from the command line', () => {
  it('runs on the tiny models and saves the canny hint and the result', async () => {
    const setup = recordingIo();
    expect(await main(['models', 'make-tiny', '--models', join(root, 'models')], setup)).toBe(0);
    expect(setup.out.join('')).toContain('momaflow-tiny-controlnet.safetensors');
    const io = recordingIo();
    const args = ['--set', '10.width=384', '--set', '10.height=256', '--set', '11.steps=4'];
    const code = await main(['run', WORKFLOW, '--data', root, '--json', ...args], io);
    expect(io.err.filter((l) => !/^(info|debug): /.test(l))).toEqual([]);
    expect(code).toBe(0);
    expect(io.err.join('\n')).toContain('hint 768x512 resized to 384x256');
    const hint = (
      await decodeImage(await readFile(join(root, 'output', 'controlnet-canny', 'hint_00001_.png')))
    ).image;
    expect(hint.shape).toEqual([1, 512, 768, 3]);
    const edgeShare = hint.data.filter((v) => v > 0.5).length / hint.size;
    expect(edgeShare).toBeGreaterThan(0.002);
    expect(edgeShare).toBeLessThan(0.2);
    const result = (
      await decodeImage(await readFile(join(root, 'output', 'controlnet-canny', 'result_00001_.png')))
    ).image;
    expect(result.shape).toEqual([1, 256, 384, 3]);
  });
});
