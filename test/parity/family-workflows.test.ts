/**
 * Acceptance: the personalization family's example workflows (LoRA, textual inversion, Custom
 * Diffusion, DreamBooth, IP-Adapter, IP-Adapter with a LoRA) run headlessly from the command line on the files `momaflow models make-tiny`
 * writes, as a user runs them, and save their images; smaller and shorter than the files' settings.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { recordingIo } from './recording-io';

const EXAMPLE = fileURLToPath(new URL('../../input/example.png', import.meta.url));
const workflow = (name: string) => fileURLToPath(new URL(`../../workflows/${name}.json`, import.meta.url));
const SMALL = ['--set', '5.width=128', '--set', '5.height=128'];
/** The single sampler (node 3) of the one-method workflows, shortened. */
const STEPS = ['--set', '3.steps=2'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-family-'));
  const setup = recordingIo();
  expect(await main(['models', 'make-tiny', '--models', join(root, 'models')], setup)).toBe(0);
  expect(setup.out.join('')).toContain('loras/momaflow-tiny-lora.safetensors');
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function run(name: string, extra: readonly string[] = STEPS) {
  const io = recordingIo();
  const code = await main(['run', workflow(name), '--data', root, '--json', ...SMALL, ...extra], io);
  expect(io.err.filter((l) => !/^(info|debug): /.test(l))).toEqual([]);
  expect(code).toBe(0);
  return io.err;
}

async function image(path: string): Promise<Float32Array> {
  const { image: decoded } = await decodeImage(await readFile(join(root, 'output', path)));
  expect(decoded.shape).toEqual([1, 128, 128, 3]);
  return decoded.data;
}

/**
 * Runs workflow `name` (saving to `<name>/result`, the example image as its reference) once per entry
 * of `sets` (extra `--set` arguments) and returns the saved images in order.
 */
async function variants(name: string, sets: readonly (readonly string[])[]): Promise<Float32Array[]> {
  await mkdir(join(root, 'input'), { recursive: true });
  await copyFile(EXAMPLE, join(root, 'input', 'example.png'));
  const out: Float32Array[] = [];
  for (const [i, set] of sets.entries()) {
    await run(name, [...STEPS, ...set]);
    out.push(await image(`${name}/result_${String(i + 1).padStart(5, '0')}_.png`));
  }
  return out;
}

/**
 * The saved ImageComparison row of four 128x128 images (32-pixel captions, 8-pixel gaps), checked for
 * its size; returns the pixels of image `k`.
 */
async function comparisonColumns(path: string): Promise<(k: number) => number[]> {
  const { image: row } = await decodeImage(await readFile(join(root, 'output', path)));
  const width = 4 * 128 + 3 * 8;
  expect(row.shape).toEqual([1, 32 + 128, width, 3]);
  return (k) =>
    Array.from({ length: 128 }, (_, y) =>
      row.data.slice(((32 + y) * width + k * 136) * 3, ((32 + y) * width + k * 136 + 128) * 3),
    ).flatMap((r) => [...r]);
}

describe('personalization workflows from the command line', () => {
  it('workflows/lora.json applies two stacked LoRAs; at strength 0 it gives the plain image', async () => {
    await run('lora');
    const withLora = await image('lora/result_00001_.png');
    await run('lora', [
      '--set',
      '10.strength_model=0',
      '--set',
      '10.strength_clip=0',
      '--set',
      '11.strength_model=0',
    ]);
    const plain = await image('lora/result_00002_.png');
    expect(withLora).not.toEqual(plain);
  });

  it('workflows/textual-inversion.json uses the embeddings named in its prompts', async () => {
    await run('textual-inversion');
    await image('textual-inversion/result_00001_.png');
  });

  it('workflows/custom-diffusion.json combines two concepts and their tokens', async () => {
    const log = await run('custom-diffusion');
    expect(log).toContainEqual(
      expect.stringMatching(/'momaflow-tiny-cat' replaces \d+ cross-attention weights and adds <new1>/),
    );
    expect(log).toContainEqual(
      expect.stringMatching(/'momaflow-tiny-dog-delta\.safetensors' replaces \d+ .* adds <new2>/),
    );
    await image('custom-diffusion/result_00001_.png');
  });

  it('workflows/compare-personalization.json saves one captioned row of every method on one seed', async () => {
    const steps = ['22', '32', '42', '52'].flatMap((id) => ['--set', `${id}.steps=2`]);
    await run('compare-personalization', steps);
    const column = await comparisonColumns('compare/personalization_00001_.png');
    for (const k of [1, 2, 3]) expect(column(k)).not.toEqual(column(0));
  });

  it('workflows/ip-adapter.json adds the reference image through ip-adapter-plus or ip-adapter_sd15, which scale 0 takes out', async () => {
    const [plus, atZero, plain] = await variants('ip-adapter', [
      [],
      ['--set', '13.scale=0'],
      ['--set', '10.ipadapter_file=momaflow-tiny-ip-adapter.safetensors'],
    ]);
    expect(plus).not.toEqual(atZero);
    expect(plain).not.toEqual(atZero);
    expect(plain).not.toEqual(plus);
  });

  it('workflows/ip-adapter-lora.json stacks a LoRA and ip-adapter_sd15, unlike either alone', async () => {
    const [both, ipAdapterAlone, loraAlone] = await variants('ip-adapter-lora', [
      [],
      ['--set', '14.strength_model=0', '--set', '14.strength_clip=0'],
      ['--set', '13.scale=0'],
    ]);
    expect(both).not.toEqual(ipAdapterAlone);
    expect(both).not.toEqual(loraAlone);
    expect(ipAdapterAlone).not.toEqual(loraAlone);
  });

  it('workflows/compare-methods.json saves SD1.5, a LoRA, IP-Adapter and MoMA on one prompt and seed as one captioned row', async () => {
    await mkdir(join(root, 'input'), { recursive: true });
    await copyFile(EXAMPLE, join(root, 'input', 'example.png'));
    const steps = ['21', '33', '44', '54'].flatMap((id) => ['--set', `${id}.steps=2`]);
    await run('compare-methods', steps);
    const column = await comparisonColumns('compare/methods_00001_.png');
    for (const k of [1, 2, 3]) expect(column(k)).not.toEqual(column(0));
  });

  it('workflows/dreambooth.json samples from the EMA weights of a training checkpoint', async () => {
    const log = await run('dreambooth');
    expect(log).toContainEqual(
      expect.stringMatching(/using the UNet's EMA weights \(\d+ model_ema\.\* tensors\)/),
    );
    expect(log).toContainEqual(
      expect.stringMatching(/ignored 2 keys SD1\.x does not read: alphas_cumprod \(1\), betas \(1\)/),
    );
    await image('dreambooth/result_00001_.png');
  });
});
