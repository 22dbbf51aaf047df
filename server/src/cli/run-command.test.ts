import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveThreadCount, THREADS_ENV_VAR } from '@momaflow/engine';
import { writeSandboxTestPack } from '@momaflow/engine/testing';
import { makeTinySd15, readPngText } from '@momaflow/nodes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main';
import { memoryIo } from './memory-io';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const EXAMPLE = path.join(ROOT, 'workflows/image-basics.json');
const TXT2IMG = path.join(ROOT, 'workflows/txt2img.json');

let data: string;
beforeEach(async () => {
  data = await mkdtemp(path.join(tmpdir(), 'momaflow-cli-'));
  await mkdir(path.join(data, 'input'));
  await copyFile(path.join(ROOT, 'input/example.png'), path.join(data, 'input/example.png'));
});
afterEach(() => rm(data, { recursive: true, force: true }));

describe('momaflow run', () => {
  it('runs the example workflow, prints where outputs went and embeds the workflow', async () => {
    const { io, out } = memoryIo();
    const code = await main(['run', EXAMPLE, '--data', data, '--set', '2.width=64'], io);
    expect(code).toBe(0);
    const written = out()
      .split('\n')
      .filter((l) => l.startsWith('wrote '))
      .map((l) => l.slice(6));
    expect(written).toHaveLength(2);
    expect(written.every((f) => f.startsWith(path.join(data, 'output')))).toBe(true);
    const text = readPngText(await readFile(written[0]!));
    expect(JSON.parse(text.workflow!).name).toBe('Image basics');
    expect(JSON.parse(text.prompt!)['2'].inputs.width).toBe(64);
  });

  it('writes NDJSON events with --json and honours --out', async () => {
    const { io, out } = memoryIo();
    const outDir = path.join(data, 'elsewhere');
    expect(await main(['run', EXAMPLE, '--data', data, '--out', outDir, '--json'], io)).toBe(0);
    const events = out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events[0]?.type).toBe('execution_start');
    expect(events.at(-1)?.type).toBe('execution_success');
    expect((await readdir(path.join(outDir, 'image-basics'))).length).toBe(2);
  });

  it.each([
    [['run'], /exactly one workflow file/],
    [['run', 'missing.json'], /cannot read workflow file 'missing.json'/],
    [['run', EXAMPLE, '--set', '2.nope=1'], /ImageScale has no input 'nope'/],
    [['run', EXAMPLE, '--set', '2.width=-5'], /value_out_of_range.*ImageScale #2 input 'width'/],
    [['run', EXAMPLE, '--bogus'], /Unknown option/],
    [['run', EXAMPLE, '--threads', '0'], /--threads must be a positive integer, got '0'/],
    [['fly'], /unknown command 'fly'/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const { io, err } = memoryIo();
    expect(await main([...args, '--data', data], io)).toBe(2);
    expect(err()).toMatch(message);
  });

  it('gives every onnxruntime session the shared thread count, and --threads reaches them', async () => {
    await makeTinySd15({ modelsDir: path.join(data, 'models') });
    const small = ['--set', '5.width=64', '--set', '5.height=64', '--set', '3.steps=1'];
    const sessionThreads = async (args: string[]) => {
      const { io, logged } = memoryIo();
      expect(await main(['run', TXT2IMG, '--data', data, ...small, ...args], io)).toBe(0);
      return logged()
        .filter((l) => l.message === 'onnx session created')
        .map((l) => l.data.intraOpNumThreads);
    };
    const byDefault = await sessionThreads([]);
    // Text encoder, UNet and VAE decoder, each with the process's default.
    expect(byDefault).toEqual([1, 2, 3].map(() => resolveThreadCount().threads));
    expect(await sessionThreads(['--threads', '3'])).toEqual([3, 3, 3]);
    vi.stubEnv(THREADS_ENV_VAR, '2');
    try {
      expect(await sessionThreads([])).toEqual([2, 2, 2]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("gives a sandboxed pack's node environment the same thread count: --threads, else MOMAFLOW_THREADS", async () => {
    await writeSandboxTestPack(path.join(data, 'custom_nodes'));
    const file = path.join(data, 'threads.json');
    await writeFile(file, JSON.stringify({ '1': { class_type: 'ComputeThreads', inputs: {} } }));
    // What ComputeThreads, run in the pack's own process, reports of its node environment.
    const childThreads = async (args: string[]) => {
      const { io, out } = memoryIo();
      expect(await main(['run', file, '--data', data, '--json', ...args], io)).toBe(0);
      const events = out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; output?: { text?: string[] } });
      return events.find((e) => e.type === 'executed')?.output?.text;
    };
    // Counts no machine gets by default, so a child that fell back to its own would be caught.
    const threads = resolveThreadCount().threads + 1;
    expect(await childThreads(['--threads', String(threads)])).toEqual([String(threads)]);
    vi.stubEnv(THREADS_ENV_VAR, String(threads + 1));
    try {
      expect(await childThreads([])).toEqual([String(threads + 1)]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('exits 2 listing every validation problem of a broken workflow', async () => {
    const file = path.join(data, 'broken.json');
    await writeFile(
      file,
      JSON.stringify({
        '1': { class_type: 'Nope', inputs: {} },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0] } },
      }),
    );
    const { io, err } = memoryIo();
    expect(await main(['run', file, '--data', data], io)).toBe(2);
    expect(err()).toMatch(/unknown_node_type.*'Nope'/);
    expect(err()).toMatch(/required_input_missing.*filename_prefix/);
  });

  it('exits 1 with the node error when a node fails', async () => {
    await writeFile(path.join(data, 'input/example.png'), 'not a png');
    const { io, out } = memoryIo();
    expect(await main(['run', EXAMPLE, '--data', data], io)).toBe(1);
    expect(out()).toMatch(/error in LoadImage #1/);
  });

  it('runs a node from a custom node pack in <data>/custom_nodes', async () => {
    const packDir = path.join(data, 'custom_nodes', 'invert-pack');
    await mkdir(packDir, { recursive: true });
    await writeFile(
      path.join(packDir, 'package.json'),
      JSON.stringify({ name: 'invert-pack', main: 'index.mjs' }),
    );
    await writeFile(
      path.join(packDir, 'index.mjs'),
      `export default ({ defineNode, defineNodePack, Input, Tensor }) => defineNodePack({
        name: 'invert-pack', version: '1.0.0',
        nodes: [defineNode({ type: 'InvertImage', category: 'image', inputs: { image: Input.link('IMAGE') },
          outputs: [{ type: 'IMAGE' }],
          run: (_ctx, { image }) => [new Tensor('float32', image.shape, image.data.map((v) => 1 - v))] })],
      });`,
    );
    const file = path.join(data, 'invert.json');
    await writeFile(
      file,
      JSON.stringify({
        '1': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
        '2': { class_type: 'InvertImage', inputs: { image: ['1', 0] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'inverted' } },
      }),
    );
    const { io, out } = memoryIo();
    expect(await main(['run', file, '--data', data], io)).toBe(0);
    expect(out()).toMatch(/InvertImage #2/);
    expect(await readdir(path.join(data, 'output'))).toEqual(['inverted_00001_.png']);
  });
});
