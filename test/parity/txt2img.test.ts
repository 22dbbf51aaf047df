/**
 * Acceptance: `workflows/txt2img.json` on the tiny default model. The CLI path as a user runs it
 * (`momaflow models make-tiny`, then `momaflow run`, in a fresh data folder) writes a non-uniform
 * 512x512 PNG with the prompt embedded and reports every sampler step with a preview; the engine path
 * re-runs the same prompt entirely from the cache.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createExecutor,
  createLogger,
  createNodeEnv,
  type ExecutionEvent,
  toPrompt,
  validatePrompt,
} from '@momaflow/engine';
import { createBuiltinRegistry, decodeImage, makeTinySd15, readPngText } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { recordingIo } from './recording-io';

const WORKFLOW = fileURLToPath(new URL('../../workflows/txt2img.json', import.meta.url));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-txt2img-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('txt2img from the command line', () => {
  it('makes the tiny model once', async () => {
    const models = join(root, 'models');
    const first = recordingIo();
    expect(await main(['models', 'make-tiny', '--models', models], first)).toBe(0);
    expect(first.out.join('')).toMatch(
      /^wrote .*momaflow-tiny-sd15\.safetensors \(\d+\.\d MiB, random weights\)/,
    );
    const again = recordingIo();
    expect(await main(['models', 'make-tiny', '--if-absent', '--models', models], again)).toBe(0);
    expect(again.out.join('')).toMatch(/^kept /);
    const bad = recordingIo();
    expect(await main(['models', 'make-huge'], bad)).toBe(2);
    expect(bad.err.join('')).toContain("unknown models subcommand 'make-huge'");
  });

  it('runs workflows/txt2img.json and writes a 512x512 PNG that is not uniform', async () => {
    const io = recordingIo();
    const started = performance.now();
    const code = await main(['run', WORKFLOW, '--data', root, '--json'], io);
    const seconds = (performance.now() - started) / 1000;
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    // The acceptance bound is 15 s for the whole command on an idle machine; this only catches a
    // regression to minutes while other work shares the two cores.
    expect(seconds).toBeLessThan(60);
    const events = io.out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; nodeId?: string; max?: number; phase?: string });
    expect(events.at(-1)?.type).toBe('execution_success');
    const sampler = events.filter((e) => e.type === 'progress' && e.nodeId === '3');
    // A fresh data folder: the sampler says it builds the UNet graph and creates its session first.
    expect(sampler.flatMap((e) => (e.phase === undefined ? [] : [e.phase]))).toEqual([
      'build',
      'session',
      'compute',
    ]);
    expect(sampler.filter((e) => e.phase === undefined)).toHaveLength(20);
    const png = await readFile(join(root, 'output', 'txt2img', 'momaflow_00001_.png'));
    expect(JSON.parse(readPngText(png).prompt ?? '{}')).toHaveProperty('3.class_type', 'KSampler');
    const { image } = await decodeImage(png);
    expect(image.shape).toEqual([1, 512, 512, 3]);
    for (let c = 0; c < 3; c++) {
      const values = image.data.filter((_, i) => i % 3 === c);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(std, `channel ${c}`).toBeGreaterThan(0.04);
    }
  });
});

describe('txt2img through the engine', () => {
  it('re-runs an unchanged prompt entirely from the cache', async () => {
    const dirs = {
      input: join(root, 'input'),
      output: join(root, 'engine-output'),
      temp: join(root, 'temp'),
      models: join(root, 'models'),
    };
    await makeTinySd15({ modelsDir: dirs.models, ifAbsent: true });
    const env = createNodeEnv({ dirs, log: createLogger(() => {}) });
    try {
      const registry = createBuiltinRegistry();
      const workflow: unknown = JSON.parse(await readFile(WORKFLOW, 'utf8'));
      const converted = toPrompt(workflow, registry);
      if (!converted.ok) throw new Error('workflow does not convert');
      // Smaller and shorter than the file's settings: this test is about events and caching.
      const prompt = converted.value as Record<string, { inputs: Record<string, unknown> }>;
      Object.assign(prompt['5']!.inputs, { width: 128, height: 96 });
      Object.assign(prompt['3']!.inputs, { steps: 3 });
      const checked = await validatePrompt(prompt, { registry, env });
      if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
      const executor = createExecutor({ env });
      const first: ExecutionEvent[] = [];
      expect((await executor.execute(checked.value, { emit: (e) => first.push(e) })).status).toBe('success');
      const previews = first.filter((e) => e.type === 'progress' && e.preview?.format === 'JPEG');
      expect(previews).toHaveLength(3);
      const second: ExecutionEvent[] = [];
      expect((await executor.execute(checked.value, { emit: (e) => second.push(e) })).status).toBe('success');
      expect(second.filter((e) => e.type === 'executing' || e.type === 'progress')).toEqual([]);
      const cached = second.find((e) => e.type === 'execution_cached');
      expect(cached?.type === 'execution_cached' && [...cached.nodes].sort()).toEqual(
        [...checked.value.nodes.keys()].sort(),
      );
    } finally {
      await env.dispose();
    }
  });
});
