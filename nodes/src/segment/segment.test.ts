/**
 * SegmentModelLoader and Segment on tiny deterministic models made by the graph builder ("red is the
 * subject"): resizing to and from the model size, batches, threshold / largest region / feather /
 * invert, the two cut-outs, the working resolution, and every kind of bad input. The real model is
 * tested in test/models/segment-real-model.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor, validatePrompt } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../builtin-registry';
import { mirrorHorizontally } from '../image';
import { createTempEnv, runNode } from '../image/image-test-utils';
import { Segment } from './segment';
import { SegmentModelLoader } from './segment-model-loader';
import type { Segmenter } from './segment-types';
import {
  redOnBlue,
  SEGMENT_DEFAULTS,
  TINY_SEGMENT_CONFIG,
  type TinySegmentVariant,
  writeTinySegmentModel,
} from './test-support';

const { env, cleanup } = await createTempEnv();
afterAll(async () => {
  await env.dispose();
  await cleanup();
});
const segmentDir = join(env.dirs.models, 'segment');
await writeTinySegmentModel(segmentDir, 'tiny-fixed', { size: 16, config: TINY_SEGMENT_CONFIG });
await writeTinySegmentModel(segmentDir, 'tiny-free', { config: { ...TINY_SEGMENT_CONFIG, inputSize: 24 } });
await writeTinySegmentModel(segmentDir, 'tiny-shifted', {
  variant: 'red-subject-shifted',
  config: { ...TINY_SEGMENT_CONFIG, inputSize: 24 },
});

const load = async (model_name: string) =>
  (await runNode(SegmentModelLoader, { model_name }, { env })).outputs[0] as Segmenter;

async function segment(
  segmenter: Segmenter,
  image: Tensor<'float32'>,
  options: Partial<typeof SEGMENT_DEFAULTS> = {},
) {
  const { outputs } = await runNode(Segment, { segmenter, image, ...SEGMENT_DEFAULTS, ...options }, { env });
  const [mask, onWhite, rgba] = outputs as Tensor<'float32'>[];
  return { mask: mask!, onWhite: onWhite!, rgba: rgba! };
}

const square = (x: number, y: number) => x >= 6 && x < 18 && y >= 4 && y < 16;
const blob = (x: number, y: number) => x >= 21 && y >= 17;
const image = redOnBlue(24, 20, (x, y) => square(x, y) || blob(x, y));

function iou(mask: Float32Array, truth: (x: number, y: number) => boolean, width: number): number {
  let inter = 0;
  let union = 0;
  mask.forEach((v, p) => {
    const a = v >= 0.5;
    const b = truth(p % width, Math.floor(p / width));
    if (a && b) inter++;
    if (a || b) union++;
  });
  return inter / union;
}

describe('SegmentModelLoader', () => {
  it('lists the .onnx files of models/segment and reads their settings', async () => {
    const registry = createBuiltinRegistry();
    const info = registry.get('SegmentModelLoader');
    const options = info?.inputs.model_name;
    expect(options?.kind === 'COMBO' && typeof options.options === 'function').toBe(true);
    if (options?.kind === 'COMBO' && typeof options.options === 'function') {
      expect(await options.options({ env })).toEqual([
        'tiny-fixed.onnx',
        'tiny-free.onnx',
        'tiny-shifted.onnx',
      ]);
    }
    const fixed = await load('tiny-fixed.onnx');
    expect(fixed.io).toEqual({
      inputName: 'input',
      outputName: 'mask',
      fixedSize: { height: 16, width: 16 },
      defaultSize: { height: 16, width: 16 },
    });
    expect((await load('tiny-free.onnx')).io.defaultSize).toEqual({ height: 24, width: 24 });
  });

  it('changes its fingerprint when the JSON config beside the model changes', async () => {
    await writeTinySegmentModel(segmentDir, 'tiny-edit', {
      config: { ...TINY_SEGMENT_CONFIG, inputSize: 16 },
    });
    const fingerprint = () =>
      SegmentModelLoader.fingerprint?.({ values: { model_name: 'tiny-edit.onnx' }, env });
    const before = await fingerprint();
    await writeFile(
      join(segmentDir, 'tiny-edit.json'),
      JSON.stringify({ ...TINY_SEGMENT_CONFIG, inputSize: 32 }),
    );
    expect(await fingerprint()).not.toBe(before);
  });
});

describe('Segment', () => {
  it('finds the subject through a fixed-size model and hands out mask, cut-out on white and RGBA', async () => {
    const { mask, onWhite, rgba } = await segment(await load('tiny-fixed.onnx'), image);
    expect(mask.shape).toEqual([1, 20, 24]);
    expect(onWhite.shape).toEqual([1, 20, 24, 3]);
    expect(rgba.shape).toEqual([1, 20, 24, 4]);
    // 24x20 -> 16x16 -> 24x20 blurs the edges a little; the regions themselves must be right.
    expect(iou(mask.data, (x, y) => square(x, y) || blob(x, y), 24)).toBeGreaterThan(0.85);
    const background = 0;
    const subject = 10 * 24 + 12;
    expect([...onWhite.data.slice(background * 3, background * 3 + 3)]).toEqual([1, 1, 1]);
    expect([...onWhite.data.slice(subject * 3, subject * 3 + 3)]).toEqual([
      ...image.data.slice(subject * 3, subject * 3 + 3),
    ]);
    expect(rgba.data[subject * 4 + 3]).toBe(1);
    expect(rgba.data[background * 4 + 3]).toBe(0);
    expect([...rgba.data.slice(0, 3)]).toEqual([...image.data.slice(0, 3)]);
  });

  it('keeps only the largest region, inverts, feathers and keeps the soft prediction when asked', async () => {
    const segmenter = await load('tiny-free.onnx');
    const largest = await segment(segmenter, image, { keep_largest: true });
    expect(iou(largest.mask.data, square, 24)).toBeGreaterThan(0.9);
    expect(largest.mask.data[19 * 24 + 23]).toBe(0);

    const inverted = await segment(segmenter, image, { invert: true });
    const plain = await segment(segmenter, image);
    expect([...inverted.mask.data]).toEqual([...plain.mask.data].map((v) => 1 - v));

    const soft = await segment(segmenter, image, { threshold: 0 });
    expect(soft.mask.data.some((v) => v > 0.01 && v < 0.99)).toBe(true);
    const feathered = await segment(segmenter, image, { feather: 4 });
    const edge = 10 * 24 + 5; // just left of the square
    expect(plain.mask.data[edge]).toBe(0);
    expect(feathered.mask.data[edge]).toBeGreaterThan(0.1);
  });

  it('averages the predictions for the image and its mirror with flip_average', async () => {
    // The shifted model answers a mirrored image differently, so the average must differ from both
    // single runs and equal their mean computed here: the mirror's answer, mirrored back.
    const segmenter = await load('tiny-shifted.onnx');
    const soft = { threshold: 0 };
    const direct = (await segment(segmenter, image, soft)).mask.data;
    const mirrored = (await segment(segmenter, mirrorHorizontally(image), soft)).mask;
    const fromMirror = mirrorHorizontally(mirrored.reshape([1, 20, 24, 1])).data;
    const averaged = (await segment(segmenter, image, { ...soft, flip_average: true })).mask.data;
    expect(fromMirror.some((v, p) => Math.abs(v - direct[p]!) > 0.1)).toBe(true);
    const maxDiff = (a: Float32Array, b: (p: number) => number) =>
      a.reduce((m, v, p) => Math.max(m, Math.abs(v - b(p))), 0);
    expect(maxDiff(averaged, (p) => (direct[p]! + fromMirror[p]!) / 2)).toBeLessThan(1e-6);
    // The tiny red-subject model is pointwise, so mirroring there and back changes nothing.
    const pointwise = await load('tiny-free.onnx');
    const plain = (await segment(pointwise, image, soft)).mask.data;
    const flipped = (await segment(pointwise, image, { ...soft, flip_average: true })).mask.data;
    expect(maxDiff(flipped, (p) => plain[p]!)).toBeLessThan(1e-6);
  });

  it('segments every image of a batch, and RGBA images through their colour channels', async () => {
    const segmenter = await load('tiny-free.onnx');
    const other = redOnBlue(24, 20, (x) => x < 8);
    const batch = new Tensor('float32', [2, 20, 24, 3], Float32Array.of(...image.data, ...other.data));
    const { mask } = await segment(segmenter, batch);
    const one = (await segment(segmenter, image)).mask.data;
    const two = (await segment(segmenter, other)).mask.data;
    expect([...mask.data]).toEqual([...one, ...two]);

    const withAlpha = new Float32Array(20 * 24 * 4);
    for (let p = 0; p < 20 * 24; p++) withAlpha.set([...image.data.slice(p * 3, p * 3 + 3), 0.5], p * 4);
    const rgbaInput = new Tensor('float32', [1, 20, 24, 4], withAlpha);
    expect([...(await segment(segmenter, rgbaInput)).mask.data]).toEqual([...one]);
  });

  it('runs a free-size model at the working resolution and refuses another size for a fixed one', async () => {
    const free = await segment(await load('tiny-free.onnx'), image, { resolution: 64 });
    expect(iou(free.mask.data, (x, y) => square(x, y) || blob(x, y), 24)).toBeGreaterThan(0.9);
    await expect(segment(await load('tiny-fixed.onnx'), image, { resolution: 64 })).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringMatching(/Segment input 'resolution': 'tiny-fixed\.onnx' only takes 16x16/),
    });
  });
});

describe('bad input', () => {
  it.each<[TinySegmentVariant, RegExp]>([
    ['one-channel-input', /input 'input' has 1 channels, not 3/],
    ['three-channel-output', /output 'depth' has 3 channels, not 1/],
    ['classifier', /output 'logits' has rank 2, not 3 or 4/],
    ['two-inputs', /also needs 'gain', which Segment cannot feed/],
    ['int64-input', /input 'input_ids' is int64, not float32/],
  ])('refuses a %s model, naming the file, what was expected and what it has', async (variant, why) => {
    await writeTinySegmentModel(segmentDir, variant, { variant, size: 16, config: TINY_SEGMENT_CONFIG });
    const error = await load(`${variant}.onnx`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not_a_segmentation_model' });
    const message = (error as Error).message;
    expect(message).toContain(
      `SegmentModelLoader input 'model_name': '${variant}.onnx' is not a segmentation model`,
    );
    expect(message).toMatch(why);
    expect(message).toContain('expected one float32 image input [1, 3, H, W]');
  });

  it.each([
    [
      'a file that is not ONNX',
      'notes.onnx',
      'plain text',
      undefined,
      'invalid_onnx',
      /'notes\.onnx' is not/,
    ],
    [
      'a name no preset matches, without a config',
      'mystery.onnx',
      null,
      undefined,
      'segment_config_missing',
      /no preset matches its name .* no mystery\.json beside it/,
    ],
    [
      'a config with a bad field',
      'badcfg.onnx',
      null,
      '{"mean": [0.5, 0.5], "activation": "none"}',
      'invalid_model_config',
      /badcfg\.json .* at 'mean'/,
    ],
    [
      'a config that is not JSON',
      'notjson.onnx',
      null,
      '{mean: 1',
      'invalid_model_config',
      /notjson\.json is not valid JSON/,
    ],
    [
      'a config with an unknown field',
      'typo.onnx',
      null,
      '{"preset": "isnet", "men": [0, 0, 0]}',
      'invalid_model_config',
      /typo\.json/,
    ],
    [
      'a config whose size contradicts the model',
      'wrongsize.onnx',
      null,
      '{"preset": "isnet", "inputSize": 1024}',
      'not_a_segmentation_model',
      /wrongsize\.json sets inputSize 1024x1024 but the model takes 16x16/,
    ],
  ])('refuses %s with a clear error', async (_what, name, content, config, code, message) => {
    const stem = name.replace('.onnx', '');
    const path = await writeTinySegmentModel(segmentDir, stem, { size: 16 });
    if (content !== null) await writeFile(path, content);
    if (config !== undefined) await writeFile(join(segmentDir, `${stem}.json`), config);
    await expect(load(name)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('names the missing model and how to fetch the default one', async () => {
    await expect(load('isnet.onnx')).rejects.toMatchObject({
      code: 'file_not_found',
      message: expect.stringMatching(/'isnet\.onnx' not found .*momaflow models pull segment-isnet/),
    });
  });

  it('reports out-of-range options and a missing model at validation, before anything runs', async () => {
    const registry = createBuiltinRegistry();
    const prompt = {
      '1': { class_type: 'SegmentModelLoader', inputs: { model_name: 'absent.onnx' } },
      '2': { class_type: 'LoadImage', inputs: { image: 'x.png' } },
      '3': {
        class_type: 'Segment',
        inputs: { segmenter: ['1', 0], image: ['2', 0], ...SEGMENT_DEFAULTS, threshold: 1.5, feather: -1 },
      },
      '4': { class_type: 'PreviewImage', inputs: { images: ['3', 1] } },
    };
    const result = await validatePrompt(prompt, { registry, env });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'value_out_of_range', nodeId: '3', input: 'threshold' }),
        expect.objectContaining({ type: 'value_out_of_range', nodeId: '3', input: 'feather' }),
        expect.objectContaining({ type: 'value_not_in_list', nodeId: '1', input: 'model_name' }),
      ]),
    );
  });
});
