/**
 * Acceptance: `workflows/moma-personalize.json` on the tiny default models, run as a user runs it
 * (`momaflow models make-tiny`, then `momaflow run` in a fresh data folder): every node reports, the
 * MLLM and the sampler report their steps, and the image and the generated subject mask are written.
 * Segment runs a tiny "red is the subject" model on a red-on-blue reference (the real IS-Net's
 * workflow is tested in test/models), set on the command line as a user would.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, encodePng } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redOnBlue, TINY_SEGMENT_CONFIG, writeTinySegmentModel } from '../../nodes/src/segment/test-support';
import { main } from '../../server/src/cli/main';
import { memoryIo } from '../../server/src/cli/memory-io';

const WORKFLOW = fileURLToPath(new URL('../../workflows/moma-personalize.json', import.meta.url));

interface Workflow {
  readonly nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
}

let root: string;
let workflow: Workflow;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-moma-workflow-'));
  workflow = JSON.parse(await readFile(WORKFLOW, 'utf8'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The workflow's node of a class. */
function nodeOf(classType: string, nth = 0): [string, Workflow['nodes'][string]] {
  const found = Object.entries(workflow.nodes).filter(([, n]) => n.class_type === classType)[nth];
  if (found === undefined) throw new Error(`the workflow has no ${classType}`);
  return found;
}

describe('workflows/moma-personalize.json from the command line', () => {
  it('runs on the tiny models and writes the image and the subject mask', async () => {
    const models = join(root, 'models');
    expect(await main(['models', 'make-tiny', '--models', models], memoryIo().io)).toBe(0);
    const [segmenterId] = nodeOf('SegmentModelLoader');
    const [imageId] = nodeOf('LoadImage');
    await writeTinySegmentModel(join(models, 'segment'), 'tiny-red', {
      config: { ...TINY_SEGMENT_CONFIG, inputSize: 32 },
    });
    await mkdir(join(root, 'input'), { recursive: true });
    const reference = redOnBlue(96, 80, (x, y) => Math.hypot(x - 48, y - 40) < 24);
    await writeFile(join(root, 'input', 'reference.png'), await encodePng(reference));
    const set = [`${segmenterId}.model_name=tiny-red.onnx`, `${imageId}.image=reference.png`];

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
      .map((line) => JSON.parse(line) as { type: string; nodeId?: string; value?: number; max?: number });
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
  });
});
