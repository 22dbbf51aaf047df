import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FileRef, Tensor } from '@momaflow/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byteImage, createTempEnv, runNode, type TempEnv } from './image-test-utils';
import { LoadImage } from './load-image';
import { readPngText } from './png-text-chunks';
import { PreviewImage, SaveImage } from './save-image';

let t: TempEnv;
beforeEach(async () => {
  t = await createTempEnv();
});
afterEach(async () => {
  await t.cleanup();
});

const source = {
  prompt: {
    '1': { class_type: 'LoadImage', inputs: { image: 'cat.png' } },
    '2': { class_type: 'SaveImage', inputs: {} },
  },
  workflow: { format: 'momaflow.workflow', version: 2, nodes: [{ id: 1, title: 'Käse 猫 "quoted"' }] },
};

async function save(images: Tensor<'float32'>, prefix = 'momaflow'): Promise<FileRef[]> {
  const { ui, outputs } = await runNode(
    SaveImage,
    { images, filename_prefix: prefix },
    { env: t.env, source },
  );
  expect(outputs).toEqual([]);
  return [...(ui?.images ?? [])];
}

/** Loads a saved file back through LoadImage (copied into the input folder). */
async function loadBack(ref: FileRef): Promise<{ image: Tensor<'float32'>; mask: Tensor<'float32'> }> {
  const bytes = await readFile(join(t.env.dirs.output, ref.subfolder, ref.filename));
  await writeFile(join(t.env.dirs.input, ref.filename), bytes);
  const { outputs } = await runNode(LoadImage, { image: ref.filename }, { env: t.env });
  return { image: outputs[0] as Tensor<'float32'>, mask: outputs[1] as Tensor<'float32'> };
}

describe('SaveImage', () => {
  it('round-trips RGB through LoadImage bit-exactly and embeds prompt and workflow', async () => {
    const image = byteImage(5, 7, 3);
    const [ref] = await save(image);
    expect(ref).toEqual({ filename: 'momaflow_00001_.png', subfolder: '', type: 'output' });
    const { image: back, mask } = await loadBack(ref!);
    expect(back.shape).toEqual([1, 5, 7, 3]);
    expect(back.data).toEqual(image.data);
    expect([...mask.data].every((v) => v === 0)).toBe(true);
    const text = readPngText(await readFile(join(t.env.dirs.output, ref!.filename)));
    expect(JSON.parse(text.prompt!)).toEqual(source.prompt);
    expect(JSON.parse(text.workflow!)).toEqual(source.workflow);
  });

  it('round-trips RGBA: RGB bit-exact and MASK = 1 - alpha', async () => {
    const image = byteImage(4, 6, 4, 3);
    image.data[3] = 0; // fully transparent pixel keeps its colour (no premultiplication)
    const [ref] = await save(image);
    const { image: back, mask } = await loadBack(ref!);
    const rgb = image.data.filter((_, i) => i % 4 !== 3);
    const alpha = image.data.filter((_, i) => i % 4 === 3);
    expect(back.data).toEqual(rgb);
    expect(mask.data).toEqual(alpha.map((a) => 1 - a));
  });

  it('continues the counter and never overwrites', async () => {
    const image = byteImage(2, 2, 3);
    expect((await save(image)).map((r) => r.filename)).toEqual(['momaflow_00001_.png']);
    expect((await save(image)).map((r) => r.filename)).toEqual(['momaflow_00002_.png']);
    await writeFile(join(t.env.dirs.output, 'momaflow_00007_.png'), 'precious');
    await writeFile(join(t.env.dirs.output, 'other_00099_.png'), 'x');
    expect((await save(image)).map((r) => r.filename)).toEqual(['momaflow_00008_.png']);
    expect(await readFile(join(t.env.dirs.output, 'momaflow_00007_.png'), 'utf8')).toBe('precious');
    // A batch gets consecutive counters.
    const batch = new Tensor('float32', [2, 2, 2, 3], new Float32Array(24).fill(0.5));
    expect((await save(batch)).map((r) => r.filename)).toEqual([
      'momaflow_00009_.png',
      'momaflow_00010_.png',
    ]);
  });

  it('gives five concurrent saves five distinct files', async () => {
    const images = Array.from({ length: 5 }, (_, i) => byteImage(3, 3, 3, i));
    const refs = (await Promise.all(images.map((image) => save(image, 'race')))).flat();
    const names = refs.map((r) => r.filename);
    expect(new Set(names).size).toBe(5);
    expect((await readdir(t.env.dirs.output)).sort()).toEqual([...names].sort());
    // Each file holds the image its save call was given.
    for (const [i, ref] of refs.entries()) expect((await loadBack(ref)).image.data).toEqual(images[i]!.data);
  });

  it('writes into a subfolder given in the prefix', async () => {
    const [ref] = await save(byteImage(2, 2, 3), 'portraits/cat');
    expect(ref).toEqual({ filename: 'cat_00001_.png', subfolder: 'portraits', type: 'output' });
    expect(await readdir(join(t.env.dirs.output, 'portraits'))).toEqual(['cat_00001_.png']);
  });

  it.each([
    ['../escape', 'invalid_path'],
    ['/tmp/abs', 'invalid_path'],
    ['a/../../b', 'invalid_path'],
    ['', 'invalid_path'],
    ['link/cat', 'path_outside_folder'],
  ])('refuses the prefix %j (%s) and writes nothing outside', async (prefix, code) => {
    await mkdir(t.env.dirs.output, { recursive: true });
    await mkdir(join(t.root, 'elsewhere'));
    await symlink(join(t.root, 'elsewhere'), join(t.env.dirs.output, 'link'));
    const error = await save(byteImage(2, 2, 3), prefix).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'EngineError', code });
    expect((error as Error).message).toContain("SaveImage input 'filename_prefix'");
    expect(await readdir(join(t.root, 'elsewhere'))).toEqual([]);
    expect((await readdir(t.root)).sort()).toEqual(['elsewhere', 'input', 'output']);
    if (code === 'invalid_path') {
      const problems = await SaveImage.validate?.({ values: { filename_prefix: prefix }, env: t.env });
      expect(problems).toEqual([expect.objectContaining({ input: 'filename_prefix' })]);
    }
  });

  it('rejects a tensor that is not an IMAGE, naming the input', async () => {
    const error = await save(Tensor.zeros('float32', [4, 4])).catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: 'invalid_image',
      message: expect.stringContaining("SaveImage input 'images'"),
    });
  });
});

describe('PreviewImage', () => {
  it('writes into the temp folder under a random prefix, with the prompt embedded', async () => {
    const run = () => runNode(PreviewImage, { images: byteImage(3, 4, 3) }, { env: t.env, source });
    const [first] = (await run()).ui?.images ?? [];
    const [second] = (await run()).ui?.images ?? [];
    expect(first).toMatchObject({
      subfolder: '',
      type: 'temp',
      filename: expect.stringMatching(/^momaflow_temp_[a-z]{5}_00001_\.png$/),
    });
    expect(second?.filename).not.toBe(first?.filename);
    const text = readPngText(await readFile(join(t.env.dirs.temp, first!.filename)));
    expect(JSON.parse(text.prompt!)).toEqual(source.prompt);
    expect(await readdir(t.root)).not.toContain('output');
  });
});
