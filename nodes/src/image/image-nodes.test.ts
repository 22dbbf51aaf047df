import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createExecutor,
  createNodeRegistry,
  type ExecutionResult,
  type InputSpec,
  objectInfo,
  type Prompt,
  validatePrompt,
} from '@momaflow/engine';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_NODES } from './image-nodes';
import { createTempEnv, type TempEnv } from './image-test-utils';
import { readPngText } from './png-text-chunks';

const registry = createNodeRegistry(IMAGE_NODES);
let t: TempEnv;
beforeEach(async () => {
  t = await createTempEnv();
});
afterEach(async () => {
  await t.cleanup();
});

const pipeline = (image: string, prefix = 'run/out'): Prompt => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': {
    class_type: 'ImageScale',
    inputs: { image: ['1', 0], upscale_method: 'bilinear', width: 0, height: 4, crop: 'disabled' },
  },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
  '4': { class_type: 'InvertMask', inputs: { mask: ['1', 1] } },
  '5': { class_type: 'MaskToImage', inputs: { mask: ['4', 0] } },
  '6': { class_type: 'PreviewImage', inputs: { images: ['5', 0] } },
});
const workflow = { format: 'momaflow.workflow', version: 2, nodes: [], links: [] };

const writeInput = (name: string, colour: string) =>
  sharp({ create: { width: 8, height: 4, channels: 4, background: colour } })
    .png()
    .toFile(join(t.env.dirs.input, name));

async function execute(
  executor: ReturnType<typeof createExecutor>,
  prompt: Prompt,
): Promise<ExecutionResult> {
  const checked = await validatePrompt(prompt, { registry, env: t.env });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return executor.execute(checked.value, { source: { prompt, workflow } });
}

describe('image nodes through the executor', () => {
  it('loads, scales, saves and previews; caches the rerun; reruns when the file changes', async () => {
    await writeInput('cat.png', '#ff800080');
    const executor = createExecutor({ env: t.env });
    const prompt = pipeline('cat.png');

    const first = await execute(executor, prompt);
    expect(first.status).toBe('success');
    expect(first.outputs['3']).toEqual({
      images: [{ filename: 'out_00001_.png', subfolder: 'run', type: 'output' }],
    });
    expect(first.outputs['6']?.images?.[0]).toMatchObject({ subfolder: '', type: 'temp' });
    const saved = await readFile(join(t.env.dirs.output, 'run', 'out_00001_.png'));
    expect(await sharp(saved).metadata()).toMatchObject({ width: 8, height: 4 });
    const text = readPngText(saved);
    expect(JSON.parse(text.prompt!)).toEqual(prompt);
    expect(JSON.parse(text.workflow!)).toEqual(workflow);

    const second = await execute(executor, prompt);
    expect(second.executed).toEqual([]);
    expect(second.outputs['3']).toEqual(first.outputs['3']);
    expect(await readdir(join(t.env.dirs.output, 'run'))).toEqual(['out_00001_.png']);

    await writeInput('cat.png', '#0080ff80');
    const third = await execute(executor, prompt);
    expect([...third.executed].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(third.outputs['3']?.images?.[0]?.filename).toBe('out_00002_.png');
  });

  it.each(['missing.png', '../escape.png'])(
    'refuses LoadImage %s at validation, naming the input',
    async (image) => {
      await writeFile(join(t.root, 'escape.png'), 'x');
      const checked = await validatePrompt(pipeline(image), { registry, env: t.env });
      expect(checked.ok).toBe(false);
      if (checked.ok) return;
      expect(checked.issues).toEqual([
        expect.objectContaining({ nodeId: '1', input: 'image', type: 'value_not_in_list' }),
      ]);
    },
  );

  it('refuses a SaveImage prefix that leaves the output folder at validation', async () => {
    await writeInput('cat.png', '#fff');
    const checked = await validatePrompt(pipeline('cat.png', '../../etc/x'), { registry, env: t.env });
    expect(!checked.ok && checked.issues).toEqual([
      expect.objectContaining({ nodeId: '3', input: 'filename_prefix', type: 'custom_validation_failed' }),
    ]);
  });

  it('reports a corrupt input file as an execution error naming the file', async () => {
    await writeFile(join(t.env.dirs.input, 'broken.png'), 'not a png');
    const result = await execute(createExecutor({ env: t.env }), pipeline('broken.png'));
    expect(result.status).toBe('error');
    expect(result.error).toMatchObject({ nodeId: '1', classType: 'LoadImage' });
    expect(result.error?.message).toContain("LoadImage input 'image'");
    expect(result.error?.message).toContain('broken.png');
  });

  it('exports schemas with the input images as LoadImage options and the upload flag', async () => {
    await writeInput('b.png', '#000');
    await writeInput('a.png', '#000');
    const info = await objectInfo(registry, t.env);
    expect(Object.keys(info).sort()).toEqual([
      'EmptyImage',
      'ImageBatch',
      'ImageBlend',
      'ImageCrop',
      'ImagePadForOutpaint',
      'ImageScale',
      'ImageToMask',
      'InvertMask',
      'LoadImage',
      'LoadImageMask',
      'MaskToImage',
      'PreviewImage',
      'SaveImage',
      'SaveImageWebsocket',
    ]);
    expect(info.LoadImageMask?.input.required.image).toEqual([
      ['a.png', 'b.png'],
      expect.objectContaining({ image_upload: true }),
    ]);
    expect(info.LoadImage?.input.required.image).toEqual([
      ['a.png', 'b.png'],
      expect.objectContaining({ image_upload: true }),
    ]);
    expect(info.LoadImage?.output).toEqual(['IMAGE', 'MASK']);
    expect(info.SaveImage?.output_node).toBe(true);
  });

  it.each(IMAGE_NODES.map((d) => [d.type, d] as const))(
    '%s has a category, a description and tooltips',
    (_, definition) => {
      expect(definition.category).not.toBe('');
      expect(definition.description).toBeTruthy();
      for (const spec of Object.values<InputSpec>(definition.inputs)) expect(spec.tooltip).toBeTruthy();
      // Only SaveImageWebsocket re-runs every time: its result is the frames it sends.
      expect(definition.notIdempotent).toBe(definition.type === 'SaveImageWebsocket' ? true : undefined);
    },
  );
});
