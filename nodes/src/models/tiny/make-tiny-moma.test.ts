import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWeights } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipVisionProjectionDim, loadClipVision } from '../clip-vision';
import { parseLdmYaml } from '../ldm-config';
import { createLlavaModel, loadLlava } from '../llava';
import { readMomaAdapter } from '../moma-adapter';
import { loadLlamaTokenizer } from '../tokenizers/sentencepiece';
import { listHookPoints, unetConfigFromLdmYaml, unetLayout } from '../unet';
import { makeTinyMoma, TINY_CLIP_VISION_PROJECTION_DIM, type TinyMomaFiles } from './make-tiny-moma';
import { ldmYamlText, TINY_SD15_SHAPE } from './tiny-sd15-config';

let dir: string;
let made: TinyMomaFiles;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-tiny-moma-'));
  made = await makeTinyMoma({ modelsDir: join(dir, 'a') });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe(makeTinyMoma.name, () => {
  it('writes the same bytes every time', async () => {
    const again = await makeTinyMoma({ modelsDir: join(dir, 'b') });
    for (const [a, b] of [
      [join(made.llava, 'pytorch_model.bin'), join(again.llava, 'pytorch_model.bin')],
      [join(made.llava, 'tokenizer.model'), join(again.llava, 'tokenizer.model')],
      [join(made.clipVision, 'model.safetensors'), join(again.clipVision, 'model.safetensors')],
      [made.adapter, again.adapter],
    ] as const) {
      expect(await sha256(b)).toBe(await sha256(a));
    }
  });

  it("stores LLaVA's own key layout in fp16, as MoMA_llava_7b ships", async () => {
    const r = await openWeights(join(made.llava, 'pytorch_model.bin'));
    try {
      expect(r.keys()).toContain('model.mm_projector.2.weight');
      expect(r.keys().every((k) => k.startsWith('model.'))).toBe(true);
      expect(new Set(r.keys().map((k) => r.info(k)?.dtype))).toEqual(new Set(['F16']));
    } finally {
      await r.close();
    }
  });

  it('is a set the loaders accept: checkpoint, tower and an adapter sized for the tiny UNet', async () => {
    const checkpoint = await loadLlava(made.llava);
    const tower = await loadClipVision(made.clipVision);
    expect(() => createLlavaModel({ checkpoint, tower, precision: 'fp32', identities: [] })).not.toThrow();
    // A CLIPVisionModelWithProjection like IP-Adapter's image_encoder, for ip-adapter_sd15.
    expect(await clipVisionProjectionDim(tower)).toBe(TINY_CLIP_VISION_PROJECTION_DIM);
    const llama = await loadLlamaTokenizer(checkpoint.tokenizerPath);
    expect(llama.vocabSize).toBe(checkpoint.config.llama.vocabSize);
    expect(llama.decode(llama.tokenize('A photo of a cat on the beach.'))).toBe(
      'A photo of a cat on the beach.',
    );
    const adapter = await readMomaAdapter(made.adapter, 'tiny');
    const unet = unetConfigFromLdmYaml(parseLdmYaml(ldmYamlText(TINY_SD15_SHAPE), 'tiny.yaml'));
    const points = listHookPoints(unetLayout(unet));
    expect(adapter.attention.map((a) => [a.outFeatures, a.inFeatures, a.hasScale])).toEqual(
      points.map((p) => [p.channels, p.kind === 'self' ? p.channels : p.contextChannels, p.kind === 'self']),
    );
    expect(adapter.imageProjection.tokenDim).toBe(unet.crossAttentionDim);
    expect(adapter.llmMapping.inFeatures).toBe(checkpoint.config.llama.hiddenSize);
  });

  it('keeps an existing set with ifAbsent', async () => {
    const kept = await makeTinyMoma({ modelsDir: join(dir, 'a'), ifAbsent: true });
    expect(kept.written).toBe(false);
    expect(kept.bytes).toBe(made.bytes);
  });
});
