/**
 * Segment benchmark: one 1024x1024 segmentation with the default model (models/segment/isnet.onnx,
 * from `momaflow models pull segment-isnet`) through the nodes `momaflow run` uses
 * (SegmentModelLoader, then Segment with its default options, or flip_average with --flip-average, and
 * the environment's session cache).
 * Prints figures; not a timed test.
 *   pnpm exec tsx --expose-gc test/bench/segment.ts [runs] [model] [--flip-average]
 * The image is the first fixture photo (../shared/fixtures/images) scaled to 1024x1024. The first run
 * includes creating the onnxruntime session and is reported apart; the figure is the median of the
 * following runs, each printed with the load average (2 cores are shared).
 */
import { readdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, parse } from 'node:path';
import { createNodeEnv, SILENT_LOGGER, type Tensor } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import {
  decodeImageFile,
  IMAGE_EXTENSIONS,
  resample,
  Segment,
  type Segmenter,
  SegmentModelLoader,
} from '@momaflow/nodes';
import { runNode } from '../../nodes/src/image/image-test-utils';
import { SEGMENT_DEFAULTS } from '../../nodes/src/segment/test-support';
import { REPO_MODELS } from '../models/real-models';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [runsArg, modelArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const runs = Number(runsArg ?? 5);
const modelName = modelArg ?? 'isnet.onnx';
const options = { ...SEGMENT_DEFAULTS, flip_average: flags.includes('--flip-average') };
const SIZE = 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function firstPhoto(): Promise<string> {
  const dir = fixturePath('images');
  const photo = (await readdir(dir))
    .filter((f) => IMAGE_EXTENSIONS.includes(parse(f).ext.toLowerCase()) && !parse(f).name.endsWith('_mask'))
    .sort()[0];
  if (photo === undefined) throw new Error(`no photo in ${dir}`);
  return join(dir, photo);
}

const env = createNodeEnv({
  dirs: { input: '', output: '', temp: '', models: REPO_MODELS },
  log: SILENT_LOGGER,
});
const run = async (node: Parameters<typeof runNode>[0], inputs: Record<string, unknown>) =>
  (await runNode(node, inputs, { env })).outputs;

const photo = await firstPhoto();
const decoded = (await decodeImageFile(photo)).image;
const image = resample(decoded, { width: SIZE, height: SIZE, method: 'bilinear' });
const loadStart = performance.now();
const [segmenter] = (await run(SegmentModelLoader, { model_name: modelName })) as [Segmenter];
const loadSeconds = (performance.now() - loadStart) / 1000;
const { height, width } = segmenter.io.defaultSize;
console.log(
  `model ${modelName}: input ${segmenter.io.inputName} ${width}x${height} (${segmenter.io.fixedSize ? 'fixed' : 'free'}), ` +
    `output ${segmenter.io.outputName}; loader ${loadSeconds.toFixed(2)} s`,
);
console.log(`image ${parse(photo).base} scaled to ${SIZE}x${SIZE}`);

const times: number[] = [];
for (let i = 0; i <= runs; i++) {
  const start = performance.now();
  const [mask] = (await run(Segment, { segmenter, image, ...options })) as [Tensor<'float32'>];
  const seconds = (performance.now() - start) / 1000;
  const subject = mask.data.reduce((s, v) => s + v, 0) / mask.size;
  const what = i === 0 ? 'first run (creates the session)' : `run ${i}`;
  console.log(
    `${what}: ${seconds.toFixed(2)} s, subject ${(subject * 100).toFixed(1)}% of pixels, load ${load()}`,
  );
  if (i > 0) times.push(seconds);
}
console.log(
  `Segment ${SIZE}x${SIZE} with ${modelName} (model input ${width}x${height}${options.flip_average ? ', flip_average' : ''}): median ${median(times).toFixed(2)} s ` +
    `over ${runs} runs (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}); ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`,
);
await env.dispose();
