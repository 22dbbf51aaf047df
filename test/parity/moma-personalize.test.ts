/**
 * Acceptance: `workflows/moma-personalize.json` on the tiny default models, run as a user runs it
 * (`momaflow models make-tiny`, then `momaflow run` in a fresh data folder): every node reports, the
 * sampler reports each of its 50 steps, and the image and the generated subject mask are written.
 * The MoMA adapter for the tiny checkpoint is made here with random weights (`writeRandomMomaAdapter`)
 * until `make-tiny` writes one.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, TINY_SD15_FILE } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUnet } from '../../nodes/src/models/unet';
import { main } from '../../server/src/cli/main';
import { memoryIo } from '../../server/src/cli/memory-io';
import { writeRandomMomaAdapter } from '../support/random-moma-adapter';

const WORKFLOW = fileURLToPath(new URL('../../workflows/moma-personalize.json', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../input/example.png', import.meta.url));

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
    const [, adapterLoader] = nodeOf('MoMAAdapterLoader');
    const tiny = await loadUnet(join(models, 'checkpoints', TINY_SD15_FILE));
    await writeRandomMomaAdapter({
      path: join(models, 'moma', String(adapterLoader.inputs.adapter_name)),
      points: tiny.hookPoints,
      tokenDim: tiny.config.crossAttentionDim,
    });
    await mkdir(join(root, 'input'), { recursive: true });
    await copyFile(EXAMPLE, join(root, 'input', 'example.png'));

    const run = memoryIo();
    const started = performance.now();
    const code = await main(['run', WORKFLOW, '--data', root, '--json'], run.io);
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
    const [samplerId, sampler] = nodeOf('KSampler');
    const progressOf = (id: string) => events.filter((e) => e.type === 'progress' && e.nodeId === id);
    expect(progressOf(applyId).length).toBeGreaterThan(1);
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
