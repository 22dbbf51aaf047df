import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionCache, Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClipTextGraph, encodeText, loadClipText } from '../clip-text';
import { resolveCheckpointLayout } from '../ldm-config';
import { loadUnet, UnetGraphCache, UnetSession, unetWeightShapes } from '../unet';
import { buildVaeDecoderGraph, buildVaeEncoderGraph, loadVae, vaeDecode, vaeEncode } from '../vae';
import { makeTinySd15 } from './make-tiny-sd15';
import { TINY_SD15_SHAPE } from './tiny-sd15-config';

let dir: string;
let checkpoint: string;
const sessions = SessionCache.create({ maxEntries: 4, defaults: { intraOpNumThreads: 1 } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-tiny-'));
  ({ checkpoint } = await makeTinySd15({ modelsDir: dir }));
});
afterAll(async () => {
  await sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** Deterministic values in [-1, 1) without a generator. */
function wave(shape: readonly number[], phase: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', shape);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sin(i * 0.37 + phase);
  return t;
}

function spread(t: Tensor<'float32'>): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of t.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo;
}

describe(makeTinySd15.name, () => {
  it('writes byte-identical files every time, and leaves them alone with ifAbsent', async () => {
    const other = await mkdtemp(join(tmpdir(), 'momaflow-tiny-'));
    try {
      const again = await makeTinySd15({ modelsDir: other });
      expect(again.written).toBe(true);
      expect(await sha256(again.checkpoint)).toBe(await sha256(checkpoint));
      expect(await sha256(again.yaml)).toBe(
        await sha256(join(dir, 'checkpoints', 'momaflow-tiny-sd15.yaml')),
      );
      const before = await stat(again.checkpoint);
      const kept = await makeTinySd15({ modelsDir: other, ifAbsent: true });
      expect(kept).toMatchObject({ written: false, bytes: before.size });
      expect((await stat(again.checkpoint)).mtimeMs).toBe(before.mtimeMs);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('is a single-file LDM checkpoint whose yaml gives the tiny shapes', async () => {
    const layout = await resolveCheckpointLayout(checkpoint);
    expect(layout.kind).toBe('single-file');
    const model = await loadUnet(checkpoint);
    expect(model.config.blockOutChannels).toEqual([32, 64, 64]);
    expect(model.config.downBlockTypes).toEqual([
      'DownBlock2D',
      'CrossAttnDownBlock2D',
      'CrossAttnDownBlock2D',
    ]);
    expect(model.config.crossAttentionDim).toBe(TINY_SD15_SHAPE.unet.context_dim);
  });

  it('holds exactly the UNet weights the graph builder takes, with their shapes', async () => {
    const model = await loadUnet(checkpoint);
    const weights = await model.weights.load();
    const expected = unetWeightShapes(model.layout);
    expect(weights.keys()).toEqual([...expected.keys()].sort());
    for (const [key, shape] of expected) expect(weights.shapeOf(key), key).toEqual(shape);
  });

  it('runs its UNet on a non-square latent', async () => {
    const model = await loadUnet(checkpoint);
    const unet = await UnetSession.open({ model, graphs: UnetGraphCache.create(), sessions });
    try {
      const { noisePred } = await unet.run({
        sample: wave([2, 4, 8, 12], 0),
        timestep: 500,
        encoderHiddenStates: wave([2, 77, 32], 1),
      });
      expect(noisePred.shape).toEqual([2, 4, 8, 12]);
      expect(noisePred.data.every(Number.isFinite)).toBe(true);
      expect(spread(noisePred)).toBeGreaterThan(0.1);
    } finally {
      unet.release();
    }
  });

  it('decodes a latent to a non-uniform image and encodes it back', async () => {
    const { config, weights } = await loadVae(checkpoint);
    const decoder = await sessions.acquire({ model: buildVaeDecoderGraph(weights, config) });
    const encoder = await sessions.acquire({ model: buildVaeEncoderGraph(weights, config) });
    try {
      const image = await vaeDecode(decoder.session, wave([1, 4, 8, 8], 2));
      expect(image.shape).toEqual([1, 3, 64, 64]);
      expect(spread(image)).toBeGreaterThan(0.2);
      const { mean, std } = await vaeEncode(encoder.session, image);
      expect(mean.shape).toEqual([1, 4, 8, 8]);
      expect(std.data.every((v) => v > 0)).toBe(true);
    } finally {
      decoder.release();
      encoder.release();
    }
  });

  it('encodes prompts with the real CLIP vocabulary size', async () => {
    const { config, weights } = await loadClipText(checkpoint);
    expect(config.vocabSize).toBe(49408);
    const lease = await sessions.acquire({ model: buildClipTextGraph(weights, config) });
    try {
      const ids = Int32Array.from({ length: 77 }, (_, i) => (i === 0 ? 49406 : i < 5 ? 320 + i : 49407));
      const hidden = await encodeText(lease.session, [ids]);
      expect(hidden.shape).toEqual([1, 77, 32]);
      expect(hidden.data.every(Number.isFinite)).toBe(true);
    } finally {
      lease.release();
    }
  });
});
