import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, openWeights, Tensor } from '@momaflow/engine';
import { engineErrorOf } from '@momaflow/engine/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLdmYaml, WeightMap } from '../ldm-config';
import { fixturePath, parityError, readFloatVector, seeded, withSession } from '../ldm-config/test-support';
import { buildVaeDecoderGraph, buildVaeEncoderGraph } from './build-vae-graphs';
import { loadVae, type VaeCheckpoint } from './load-vae';
import { vaeConfigFromLdmYaml } from './vae-config';
import { ldmVaeSelector } from './vae-keys';
import { vaeDecode, vaeEncode } from './vae-runner';

const SOURCES = [
  ['diffusers folder (fp32)', 'tiny-sd'],
  ['single file with LDM keys (fp16)', 'tiny-sd.safetensors'],
] as const;

/** Row `i` of a batch tensor as a batch of one. */
function item(t: Tensor<'float32'>, i: number): Tensor<'float32'> {
  const n = t.size / t.shape[0]!;
  return new Tensor('float32', [1, ...t.shape.slice(1)], t.data.slice(i * n, (i + 1) * n));
}

const loaded = new Map<string, VaeCheckpoint>();
beforeAll(async () => {
  for (const [, path] of SOURCES) loaded.set(path, await loadVae(fixturePath(path)));
});

describe.each(SOURCES)('VAE parity, %s', (_name, path) => {
  it.each(['direct', 'winograd'] as const)(
    'decodes vae.latent to vae.decoded (%s 3x3 convs)',
    async (conv3x3) => {
      const { config, weights } = loaded.get(path)!;
      const [latent, expected] = await Promise.all([
        readFloatVector('vae.latent'),
        readFloatVector('vae.decoded'),
      ]);
      const sample = await withSession(buildVaeDecoderGraph(weights, config, { conv3x3 }), (s) =>
        vaeDecode(s, latent),
      );
      const { maxDiff, bound } = parityError(sample, expected);
      expect(maxDiff).toBeLessThanOrEqual(bound);
    },
  );

  it.each(['direct', 'winograd'] as const)(
    'encodes vae.image to the posterior mean and std (%s 3x3 convs)',
    async (conv3x3) => {
      const { config, weights } = loaded.get(path)!;
      const [image, mean, std] = await Promise.all(
        ['vae.image', 'vae.encoded_mean', 'vae.encoded_std'].map((n) => readFloatVector(n)),
      );
      const out = await withSession(buildVaeEncoderGraph(weights, config, { conv3x3 }), (s) =>
        vaeEncode(s, image!),
      );
      for (const [actual, expected] of [
        [out.mean, mean!],
        [out.std, std!],
      ] as const) {
        const { maxDiff, bound } = parityError(actual, expected);
        expect(maxDiff).toBeLessThanOrEqual(bound);
      }
    },
  );
});

describe('VAE graphs', () => {
  it('are byte-identical from the fp32 diffusers folder and the fp16 single file', () => {
    const [a, b] = SOURCES.map(([, p]) => loaded.get(p)!);
    expect(buildVaeDecoderGraph(a!.weights, a!.config).hash).toBe(
      buildVaeDecoderGraph(b!.weights, b!.config).hash,
    );
    expect(buildVaeEncoderGraph(a!.weights, a!.config).hash).toBe(
      buildVaeEncoderGraph(b!.weights, b!.config).hash,
    );
  });

  it('decode non-square batches, each item as if alone, with either attention kernel or conv algorithm', async () => {
    const { config, weights } = loaded.get('tiny-sd')!;
    const factor = 2 ** (config.blockOutChannels.length - 1);
    const latent = seeded([2, config.latentChannels, 3, 5], 7);
    const fused = await withSession(buildVaeDecoderGraph(weights, config), (s) => vaeDecode(s, latent));
    expect(fused.shape).toEqual([2, config.outChannels, 3 * factor, 5 * factor]);
    const plain = await withSession(buildVaeDecoderGraph(weights, config, { attention: 'plain' }), (s) =>
      vaeDecode(s, latent),
    );
    const winograd = await withSession(buildVaeDecoderGraph(weights, config, { conv3x3: 'winograd' }), (s) =>
      vaeDecode(s, latent),
    );
    const alone = await withSession(buildVaeDecoderGraph(weights, config), (s) =>
      vaeDecode(s, item(latent, 1)),
    );
    for (const [actual, expected] of [
      [plain, fused],
      [winograd, fused],
      [alone, item(fused, 1)],
    ] as const) {
      const { maxDiff, bound } = parityError(actual, expected);
      expect(maxDiff).toBeLessThanOrEqual(bound);
    }
  });

  it('encode non-square images', async () => {
    const { config, weights } = loaded.get('tiny-sd')!;
    const factor = 2 ** (config.blockOutChannels.length - 1);
    const image = seeded([1, config.inChannels, 2 * factor, 3 * factor], 3);
    const { mean, std } = await withSession(buildVaeEncoderGraph(weights, config), (s) =>
      vaeEncode(s, image),
    );
    expect(mean.shape).toEqual([1, config.latentChannels, 2, 3]);
    expect(std.shape).toEqual(mean.shape);
    expect(Array.from(std.data).every((v) => v > 0)).toBe(true);
  });

  it('refuses a latent that is not rank 4', async () => {
    const { config, weights } = loaded.get('tiny-sd')!;
    await expect(
      withSession(buildVaeDecoderGraph(weights, config), (s) =>
        vaeDecode(s, Tensor.zeros('float32', [4, 8, 8])),
      ),
    ).rejects.toMatchObject({ code: 'invalid_shape' });
  });
});

describe('VAE weights errors', () => {
  it('names a missing key and its expected shape', () => {
    const { config, weights } = loaded.get('tiny-sd')!;
    const tensors = Object.fromEntries(
      weights
        .keys()
        .filter((k) => k !== 'decoder.conv_in.weight')
        .map((k) => [k, weights.take(k, weights.shapeOf(k)!)]),
    );
    const err = engineErrorOf(() => buildVaeDecoderGraph(WeightMap.fromTensors('partial', tensors), config));
    expect(err.code).toBe('weight_missing');
    const top = config.blockOutChannels.at(-1)!;
    expect(err.details).toMatchObject({
      key: 'decoder.conv_in.weight',
      expected: [top, config.latentChannels, 3, 3],
    });
    expect(err.message).toContain('decoder.conv_in.weight');
  });

  it('names a wrong-shaped LDM tensor by both keys and both shapes', async () => {
    const source = await openWeights(fixturePath('tiny-sd.safetensors'));
    const dir = await mkdtemp(join(tmpdir(), 'vae-bad-'));
    const stored = 'first_stage_model.decoder.mid.attn_1.q.weight';
    try {
      const tensors: Record<string, Tensor<'float32'>> = {};
      for (const key of source.keys().filter((k) => k.startsWith('first_stage_model.'))) {
        tensors[key] = await source.readFloat32(key);
      }
      const [c = 0] = tensors[stored]!.shape;
      tensors[stored] = Tensor.zeros('float32', [c, c, 3, 3]);
      const file = join(dir, 'bad.safetensors');
      await writeFile(file, encodeSafetensors(tensors, { dtype: 'F16' }));
      const config = vaeConfigFromLdmYaml(await readLdmYaml(fixturePath('tiny-sd.yaml')));
      const reader = await openWeights(file);
      const weights = await WeightMap.load(reader, ldmVaeSelector(config.blockOutChannels.length)).finally(
        () => reader.close(),
      );
      const err = engineErrorOf(() => buildVaeDecoderGraph(weights, config));
      expect(err.code).toBe('weight_shape_mismatch');
      expect(err.details).toMatchObject({
        key: 'decoder.mid_block.attentions.0.to_q.weight',
        storedKey: stored,
        expected: [c, c],
        received: [c, c, 3, 3],
      });
      expect(err.message).toContain(stored);
    } finally {
      await source.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
