import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyTensor, EngineError, Tensor, writeSafetensors } from '@momaflow/engine';
import { fixturePath, openVectors } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MomaAdapterSection, readMomaAdapter, readMomaAdapterSection } from './moma-adapter';

const FILE = fixturePath('tiny-moma', 'attn_adapters_projectors.th');
let dir = '';
let expectedKeys: Record<MomaAdapterSection, string[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-moma-adapter-'));
  const vectors = JSON.parse(await readFile(fixturePath('vectors.json'), 'utf8'));
  expectedKeys = vectors['moma.adapter_keys'];
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The fixture's tensors as a flat map, minus `drop`, plus `extra`. */
async function variant(
  drop: (key: string) => boolean,
  extra: Record<string, AnyTensor> = {},
): Promise<string> {
  const out: Record<string, AnyTensor> = { ...extra };
  for (const section of Object.keys(expectedKeys) as MomaAdapterSection[]) {
    for (const [key, t] of await readMomaAdapterSection({ path: FILE }, section)) {
      if (!drop(`${section}.${key}`)) out[`${section}.${key}`] = t;
    }
  }
  const path = join(dir, `v${Object.keys(out).length}-${Math.random().toString(36).slice(2)}.safetensors`);
  await writeSafetensors(path, out);
  return path;
}

describe(readMomaAdapter.name, () => {
  it('derives the structure from the headers, consistent with the fixture tensors', async () => {
    const adapter = await readMomaAdapter(FILE, 'k');
    const vectors = await openVectors();
    try {
      const [, tokens, dim] = vectors.info('moma.ip_tokens_cond')?.shape ?? [];
      expect(adapter.imageProjection.tokens).toBe(tokens);
      expect(adapter.imageProjection.tokenDim).toBe(dim);
      expect(adapter.llmMapping.outFeatures).toBe(adapter.imageProjection.inFeatures);
      const [, , hidden] = vectors.info('mllm.last_hidden_state')?.shape ?? [];
      expect(adapter.llmMapping.inFeatures).toBe(hidden);
    } finally {
      await vectors.close();
    }
    const attnKeys = expectedKeys.self_cross_attentions;
    expect(adapter.attention.map((a) => a.index)).toEqual(
      [...new Set(attnKeys.map((k) => Number(k.split('.')[0])))].sort((a, b) => a - b),
    );
    for (const a of adapter.attention) {
      expect(a.hasScale).toBe(attnKeys.includes(`${a.index}.scale_learnable`));
    }
  });

  it.each([
    ['a missing projector', (k: string) => k === 'projectors.norm.weight', /projectors\.norm\.weight/],
    [
      'a gap in the processors',
      (k: string) => k.startsWith('self_cross_attentions.3.'),
      /self_cross_attentions\.3/,
    ],
    ['no processors at all', (k: string) => k.startsWith('self_cross_attentions.'), /self_cross_attentions/],
    ['a missing mapping layer', (k: string) => k.endsWith('up_proj.weight'), /up_proj/],
  ])('refuses %s, naming the file and key', async (_name, drop, pattern) => {
    const path = await variant(drop);
    const err = await readMomaAdapter(path, 'k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('moma_adapter_invalid');
    expect((err as EngineError).message).toContain(path);
    expect((err as EngineError).message).toMatch(pattern);
  });

  it('refuses mapping layers that do not chain', async () => {
    const path = await variant((k) => k.endsWith('down_proj.weight'), {
      'llm_mapping.mapping.down_proj.weight': Tensor.zeros('float32', [3, 5]),
    });
    await expect(readMomaAdapter(path, 'k')).rejects.toThrow(/do not chain/);
  });
});

describe(readMomaAdapterSection.name, () => {
  it.each(['projectors', 'llm_mapping', 'self_cross_attentions'] as const)(
    'reads exactly the keys of section %s',
    async (section) => {
      const tensors = await readMomaAdapterSection({ path: FILE }, section);
      expect([...tensors.keys()].sort()).toEqual([...expectedKeys[section]].sort());
    },
  );
});
