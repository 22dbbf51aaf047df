/**
 * Acceptance: `workflows/moma-personalize.json` on the tiny default models, run as a user runs it
 * (`momaflow models make-tiny`, then `momaflow run` in a fresh data folder): every node reports, the
 * MLLM and the sampler report their steps, and the image and the generated subject mask are written.
 * Always with a tiny "red is the subject" segmenter on a red-on-blue reference (set on the command
 * line as a user would), and as shipped (input/subject.png, the default IS-Net from models/segment;
 * skipped with a message when it is absent outside CI).
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, encodePng } from '@momaflow/nodes';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redOnBlue, TINY_SEGMENT_CONFIG, writeTinySegmentModel } from '../../nodes/src/segment/test-support';
import { main } from '../../server/src/cli/main';
import { memoryIo } from '../../server/src/cli/memory-io';
import { realModelPath } from '../models/real-models';

const WORKFLOW = fileURLToPath(new URL('../../workflows/moma-personalize.json', import.meta.url));
const isnet = realModelPath('segment/isnet.onnx', 'momaflow models pull segment-isnet');

interface Workflow {
  readonly nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
}
interface RunEvent {
  readonly type: string;
  readonly nodeId?: string;
  readonly value?: number;
  readonly max?: number;
}

let root: string;
let workflow: Workflow;
beforeAll(async () => {
  workflow = JSON.parse(await readFile(WORKFLOW, 'utf8'));
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-moma-workflow-'));
  expect(await main(['models', 'make-tiny', '--models', join(root, 'models')], memoryIo().io)).toBe(0);
  await mkdir(join(root, 'input'), { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** The workflow's node of a class. */
function nodeOf(classType: string, nth = 0): [string, Workflow['nodes'][string]] {
  const found = Object.entries(workflow.nodes).filter(([, n]) => n.class_type === classType)[nth];
  if (found === undefined) throw new Error(`the workflow has no ${classType}`);
  return found;
}

/** `momaflow run` in the data folder with `--set`s; checks what every run must do. */
async function runWorkflow(set: readonly string[]): Promise<void> {
  const run = memoryIo();
  const started = performance.now();
  const code = await main(
    ['run', WORKFLOW, '--data', root, '--json', ...set.flatMap((x) => ['--set', x])],
    run.io,
  );
  const seconds = (performance.now() - started) / 1000;
  expect(run.err()).toBe('');
  expect(code).toBe(0);
  // The acceptance bound is 30 s on an idle machine; this only catches a regression to minutes.
  expect(seconds).toBeLessThan(120);
  const events = run
    .out()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RunEvent);
  expect(events.at(-1)?.type).toBe('execution_success');
  const [applyId] = nodeOf('MoMAApply');
  const [mllmId] = nodeOf('MLLMAdapter');
  const [samplerId, sampler] = nodeOf('KSampler');
  const progressOf = (id: string) => events.filter((e) => e.type === 'progress' && e.nodeId === id);
  // Every stage of MoMAApply reports: an empty subject mask would skip from the first to the last.
  const applyProgress = progressOf(applyId);
  const stages = applyProgress.at(-1)?.max ?? 0;
  expect(applyProgress.map((e) => e.value)).toEqual([...Array(stages + 1).keys()]);
  expect(progressOf(mllmId).length).toBeGreaterThan(1);
  expect(progressOf(samplerId)).toHaveLength(Number(sampler.inputs.steps));
  const ran = new Set(events.filter((e) => e.type === 'executing').map((e) => e.nodeId));
  expect([...ran].sort()).toEqual(Object.keys(workflow.nodes).sort());

  const [, saveImage] = nodeOf('SaveImage', 0);
  const [, saveMask] = nodeOf('SaveImage', 1);
  const [, latent] = nodeOf('EmptyLatentImage');
  for (const save of [saveImage, saveMask]) {
    const prefix = String(save.inputs.filename_prefix);
    const folder = join(root, 'output', prefix.split('/')[0]!);
    const name = (await readdir(folder)).find((f) => f.startsWith(prefix.split('/')[1]!));
    expect(name, prefix).toBeDefined();
    const { image } = await decodeImage(await readFile(join(folder, name!)));
    expect(image.shape).toEqual([1, latent.inputs.height, latent.inputs.width, 3]);
  }
}

describe('workflows/moma-personalize.json from the command line', () => {
  it('runs on the tiny models and writes the image and the subject mask', async () => {
    const [segmenterId] = nodeOf('SegmentModelLoader');
    const [imageId] = nodeOf('LoadImage');
    await writeTinySegmentModel(join(root, 'models', 'segment'), 'tiny-red', {
      config: { ...TINY_SEGMENT_CONFIG, inputSize: 32 },
    });
    const reference = redOnBlue(96, 80, (x, y) => Math.hypot(x - 48, y - 40) < 24);
    await writeFile(join(root, 'input', 'reference.png'), await encodePng(reference));
    await runWorkflow([`${segmenterId}.model_name=tiny-red.onnx`, `${imageId}.image=reference.png`]);
  });

  it.skipIf(isnet === undefined)(
    'runs as shipped: its reference image and the default IS-Net',
    async () => {
      const [, segmenter] = nodeOf('SegmentModelLoader');
      const [, image] = nodeOf('LoadImage');
      // The folder, not the file: a loader refuses a file that resolves outside its folder.
      await symlink(dirname(isnet!), join(root, 'models', 'segment'));
      expect(isnet!.endsWith(String(segmenter.inputs.model_name))).toBe(true);
      const repoInput = join(dirname(WORKFLOW), '..', 'input', String(image.inputs.image));
      await copyFile(repoInput, join(root, 'input', String(image.inputs.image)));
      await runWorkflow([]);
    },
    180_000,
  );
});
