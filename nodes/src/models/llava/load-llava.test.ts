import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWeights, type TorchSaveTree, writeSafetensors, writeTorchFile } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClipVision } from '../clip-vision';
import { makeTinyMoma, TINY_CLIP_VISION } from '../tiny';
import { clipVisionConfigJson, clipVisionKeyShapes } from '../tiny/llava-shapes';
import { seededWeight } from '../tiny/seeded-init';
import { createLlavaModel } from './llava-model';
import { loadLlava } from './load-llava';

let root: string;
let tiny: Awaited<ReturnType<typeof makeTinyMoma>>;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-load-llava-'));
  tiny = await makeTinyMoma({ modelsDir: join(root, 'models') });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A copy of the tiny LLaVA folder, changed by `edit`. */
async function variant(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(root, `v${counter++}`);
  await cp(tiny.llava, dir, { recursive: true });
  await edit(dir);
  return dir;
}

async function editConfig(dir: string, change: (c: Record<string, unknown>) => void): Promise<void> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  change(config);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
}

/** Rewrites the folder's pytorch_model.bin as numbered shards (half the keys each), dropping `drop`. */
async function shard(
  dir: string,
  o: { drop?: number; index?: boolean; missingKey?: string } = {},
): Promise<void> {
  const reader = await openWeights(join(dir, 'pytorch_model.bin'));
  const keys = reader.keys().filter((k) => k !== o.missingKey);
  const halves = [keys.slice(0, keys.length / 2), keys.slice(keys.length / 2)];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of halves.entries()) {
    const file = `pytorch_model-0000${i + 1}-of-00002.bin`;
    const tree: TorchSaveTree = {};
    for (const key of part) {
      const t = await reader.readFloat32(key);
      Object.assign(tree, {
        [key]: { dtype: 'F32', shape: t.shape, bytes: () => new Uint8Array(t.data.buffer) },
      });
      weightMap[key] = file;
    }
    if (i + 1 !== o.drop) await writeTorchFile(join(dir, file), tree);
  }
  await reader.close();
  await rm(join(dir, 'pytorch_model.bin'));
  if (o.index)
    await writeFile(join(dir, 'pytorch_model.bin.index.json'), JSON.stringify({ weight_map: weightMap }));
}

describe(loadLlava.name, () => {
  it('reads the tiny LLaVA: config, tokenizer, projector width, no bundled tower', async () => {
    const llava = await loadLlava(tiny.llava);
    expect(llava.config.layout).toBe('llava');
    expect(llava.projectorInFeatures).toBe(TINY_CLIP_VISION.hiddenSize);
    expect(llava.bundledTower).toBeUndefined();
  });

  it('reads numbered shards with their index', async () => {
    const llava = await loadLlava(await variant((d) => shard(d, { index: true })));
    expect(llava.weights.files).toHaveLength(2);
  });

  it.each<[string, (dir: string) => Promise<void>, string, string]>([
    ['a missing shard', (d) => shard(d, { drop: 2 }), 'shard_missing', 'pytorch_model-00002-of-00002.bin'],
    [
      'an index naming a missing file',
      (d) => shard(d, { drop: 1, index: true }),
      'shard_missing',
      'pytorch_model-00001-of-00002.bin',
    ],
    [
      'a missing tensor',
      (d) => shard(d, { missingKey: 'model.layers.1.mlp.up_proj.weight' }),
      'weight_missing',
      'model.layers.1.mlp.up_proj.weight',
    ],
    [
      'a tensor of the wrong shape',
      (d) => editConfig(d, (c) => Object.assign(c, { intermediate_size: 96 })),
      'weight_shape_mismatch',
      'mlp.gate_proj.weight',
    ],
    [
      'rope scaling',
      (d) => editConfig(d, (c) => Object.assign(c, { rope_scaling: { type: 'linear', factor: 2 } })),
      'unsupported_model_config',
      'rope_scaling',
    ],
    [
      'another projector',
      (d) => editConfig(d, (c) => Object.assign(c, { mm_projector_type: 'mlp3x_gelu' })),
      'unsupported_model_config',
      'mm_projector_type',
    ],
    [
      "LLaVA-NeXT's anyres",
      (d) => editConfig(d, (c) => Object.assign(c, { image_aspect_ratio: 'anyres' })),
      'unsupported_model_config',
      'image_aspect_ratio',
    ],
    [
      'another activation',
      (d) => editConfig(d, (c) => Object.assign(c, { hidden_act: 'gelu' })),
      'unsupported_model_config',
      'hidden_act',
    ],
    [
      'heads that do not divide the width',
      (d) => editConfig(d, (c) => Object.assign(c, { num_attention_heads: 5 })),
      'invalid_model_config',
      'heads',
    ],
    [
      'a config that is not JSON',
      (d) => writeFile(join(d, 'config.json'), '{'),
      'config_unreadable',
      'config.json',
    ],
    ['no tokenizer.model', (d) => rm(join(d, 'tokenizer.model')), 'tokenizer_not_found', 'tokenizer.model'],
  ])('refuses %s, naming it', async (_what, edit, code, named) => {
    const err = await loadLlava(await variant(edit)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(String((err as Error).message)).toContain(named);
  });
});

describe(createLlavaModel.name, () => {
  it('refuses a vision tower whose width is not what the projector takes, naming both', async () => {
    const wide = { ...TINY_CLIP_VISION, hiddenSize: 48, heads: 4 };
    const dir = join(root, 'wide-tower');
    await cp(tiny.clipVision, dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify(clipVisionConfigJson(wide)));
    const tensors = Object.fromEntries(
      [...clipVisionKeyShapes(wide)].map(([key, shape]) => [key, seededWeight({ seed: 1, key, shape })]),
    );
    await writeSafetensors(join(dir, 'model.safetensors'), tensors);
    const checkpoint = await loadLlava(tiny.llava);
    const tower = await loadClipVision(dir);
    const err = (() => {
      try {
        createLlavaModel({ checkpoint, tower, precision: 'fp32', identities: [] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'vision_tower_mismatch' });
    expect(String((err as Error).message)).toContain(dir);
    expect(String((err as Error).message)).toContain(tiny.llava);
  });
});
