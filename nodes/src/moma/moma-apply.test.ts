import { join } from 'node:path';
import {
  createExecutor,
  createNodeRegistry,
  defineNode,
  EngineError,
  type Prompt,
  SILENT_LOGGER,
  Tensor,
  validatePrompt,
} from '@momaflow/engine';
import { openVectors } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BUILTIN_NODES } from '../builtin-registry';
import {
  DIFFUSION_SESSIONS,
  type ImagePrompt,
  type LoadedCheckpoint,
  loadCheckpoint,
  modelGraph,
} from '../diffusion';
import { recordingContext } from '../diffusion/test-support';
import { decodeImageFile } from '../image';
import { type MomaAdapter, readMomaAdapter } from '../models/moma-adapter';
import { MoMAApply } from './moma-apply';
import { MOMA_PATCH_IDS } from './moma-patches';
import { type MomaWorkspace, momaWorkspace } from './test-workspace';

let ws: MomaWorkspace;
let checkpoint: LoadedCheckpoint;
let adapter: MomaAdapter;
let imagePrompt: ImagePrompt;
let image: Tensor<'float32'>;
let mask: Tensor<'float32'>;

/** The fixtures' image-prompt tokens as a node, standing in for the MLLM adapter. */
const FixtureImagePrompt = defineNode({
  type: 'FixtureImagePrompt',
  category: 'test',
  inputs: {},
  outputs: [{ type: 'IMAGE_PROMPT' }],
  run: () => [imagePrompt],
});

beforeAll(async () => {
  ws = await momaWorkspace();
  checkpoint = await loadCheckpoint(ws.env, join(ws.env.dirs.models, 'checkpoints', 'tiny-sd.safetensors'));
  const adapterPath = join(ws.env.dirs.models, 'moma', 'attn_adapters_projectors.th');
  adapter = await readMomaAdapter(adapterPath, 'fixture-adapter');
  const vectors = await openVectors();
  try {
    imagePrompt = {
      cond: await vectors.readFloat32('moma.ip_tokens_cond'),
      uncond: await vectors.readFloat32('moma.ip_tokens_uncond'),
    };
  } finally {
    await vectors.close();
  }
  image = (await decodeImageFile(join(ws.env.dirs.input, 'cat_00.jpg'), { label: 'test', name: 'cat' }))
    .image;
  const maskImage = (
    await decodeImageFile(join(ws.env.dirs.input, 'cat_00_mask.jpg'), { label: 'test', name: 'm' })
  ).image;
  const [, h = 0, w = 0, c = 0] = maskImage.shape;
  mask = Tensor.zeros('float32', [1, h, w]);
  for (let p = 0; p < h * w; p++) mask.data[p] = maskImage.data[p * c]!;
});
afterAll(() => ws.dispose());

/** MoMAApply's inputs on the fixture models, with `over` replaced. */
function inputs(over: Record<string, unknown> = {}) {
  return {
    model: checkpoint.model,
    clip: checkpoint.clip,
    vae: checkpoint.vae,
    moma_adapter: adapter,
    image_prompt: imagePrompt,
    reference_image: image,
    reference_mask: mask,
    subject: 'cat',
    prompt: 'A cat in autumn with falling leaves.',
    reference_size: 64,
    mode: 'context' as const,
    strength: 1,
    ...over,
  };
}

async function apply(over: Record<string, unknown> = {}) {
  const recording = recordingContext(ws.env);
  const out = await MoMAApply.run(recording.ctx, inputs(over) as Parameters<typeof MoMAApply.run>[1]);
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return { out, progress: recording.progress };
}

describe('MoMAApply', () => {
  it("patches the model with MoMA's three patches and encodes MoMA's prompt, reporting each stage", async () => {
    const { out, progress } = await apply();
    const [model, positive] = out;
    expect(model.patches.map((p) => p.id)).toEqual([
      MOMA_PATCH_IDS.map,
      MOMA_PATCH_IDS.imagePrompt,
      MOMA_PATCH_IDS.reference,
    ]);
    expect(positive).toHaveLength(1);
    expect(progress.map((p) => p.value)).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    ['context', 3, 1],
    ['texture', 3, 0.4],
    ['custom', 0.7, 0.7],
  ] as const)("sets the reference strength of mode '%s'", async (mode, strength, expected) => {
    const { out } = await apply({ mode, strength });
    const reference = out[0].patches.find((p) => p.id === MOMA_PATCH_IDS.reference)!;
    const run = {
      pass: 'sample' as const,
      rows: [{ role: 'cond' as const, entry: 0, latent: 0, tokenIds: undefined }],
      height: 8,
      width: 8,
      contextTokens: 77,
      reference: undefined,
      log: SILENT_LOGGER,
    };
    const gain = (timestep: number) =>
      reference.stepInputs?.({ run, index: 0, timestep, sigma: undefined, previousOutputs: undefined }).gain
        ?.data[0];
    expect(gain(500)).toBeCloseTo(expected, 6);
    expect(gain(960)).toBe(0);
  });

  it('resizes a reference mask of another size to the image, saying so', async () => {
    const [, h = 0, w = 0] = mask.shape;
    const small = Tensor.zeros('float32', [1, Math.floor(h / 4), Math.floor(w / 4)]);
    small.data.fill(1, 0, small.size / 2);
    const before = ws.lines.length;
    const { out } = await apply({ reference_mask: small });
    expect(out[0].patches).toHaveLength(3);
    expect(
      ws.lines.slice(before).some((l) => /reference mask is .* the mask was resized/.test(l.message)),
    ).toBe(true);
  });

  it('warns and leaves the model unpatched when the reference mask is empty', async () => {
    const before = ws.lines.length;
    const { out } = await apply({ reference_mask: Tensor.zeros('float32', mask.shape) });
    expect(out[0]).toBe(checkpoint.model);
    const warned = ws.lines.slice(before).filter((l) => l.level === 'warn');
    expect(warned.map((l) => l.message).join('\n')).toMatch(/reference mask is empty.*MoMA is off/);
  });

  it('refuses a model that already went through MoMAApply, naming the input', async () => {
    const { out } = await apply();
    const err = await apply({ model: out[0] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('model_already_patched');
    expect((err as EngineError).message).toContain("MoMAApply input 'model'");
  });

  it('refuses image-prompt tokens of another width, naming the input', async () => {
    const wrong = { cond: Tensor.zeros('float32', [1, 4, 7]), uncond: Tensor.zeros('float32', [1, 4, 7]) };
    const err = await apply({ image_prompt: wrong }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('invalid_input');
    expect((err as EngineError).message).toContain("MoMAApply input 'image_prompt'");
  });
});

describe('MoMA through the executor', () => {
  const prompt = (text: string): Prompt => ({
    '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'tiny-sd.safetensors' } },
    '2': { class_type: 'MoMAAdapterLoader', inputs: { adapter_name: 'attn_adapters_projectors.th' } },
    '3': { class_type: 'LoadImage', inputs: { image: 'cat_00.jpg' } },
    '4': { class_type: 'LoadImage', inputs: { image: 'cat_00_mask.jpg' } },
    '5': { class_type: 'ImageToMask', inputs: { image: ['4', 0], channel: 'red' } },
    '6': { class_type: 'FixtureImagePrompt', inputs: {} },
    '7': {
      class_type: 'MoMAApply',
      inputs: {
        model: ['1', 0],
        clip: ['1', 1],
        vae: ['1', 2],
        moma_adapter: ['2', 0],
        image_prompt: ['6', 0],
        reference_image: ['3', 0],
        reference_mask: ['5', 0],
        subject: 'cat',
        prompt: text,
        reference_size: 64,
        mode: 'context',
        strength: 1,
      },
    },
    '8': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['1', 1] } },
    '9': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 48, batch_size: 2 } },
    '10': {
      class_type: 'KSampler',
      inputs: {
        model: ['7', 0],
        seed: 1,
        steps: 3,
        cfg: 7.5,
        sampler_name: 'ddim_diffusers',
        scheduler: 'normal',
        positive: ['7', 1],
        negative: ['8', 0],
        latent_image: ['9', 0],
        denoise: 1,
      },
    },
    '11': { class_type: 'VAEDecode', inputs: { samples: ['10', 0], vae: ['1', 2] } },
    '12': { class_type: 'SaveImage', inputs: { images: ['11', 0], filename_prefix: 'moma/image' } },
    '13': { class_type: 'GeneratedMask', inputs: { samples: ['10', 0], source: '' } },
    '14': { class_type: 'MaskToImage', inputs: { mask: ['13', 0] } },
    '15': { class_type: 'SaveImage', inputs: { images: ['14', 0], filename_prefix: 'moma/mask' } },
  });

  it('writes the image and the generated mask; a new prompt re-runs neither the VAE encode nor the reference pass', async () => {
    // A workspace of its own: the tests above already encoded this reference in theirs.
    const fresh = await momaWorkspace();
    onTestFinished(() => fresh.dispose());
    const registry = createNodeRegistry([...BUILTIN_NODES, FixtureImagePrompt]);
    const executor = createExecutor({ env: fresh.env });
    const run = async (p: Prompt) => {
      const checked = await validatePrompt(p, { registry, env: fresh.env });
      if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
      return executor.execute(checked.value);
    };
    const encoder = await fresh.env
      .resource(DIFFUSION_SESSIONS)
      .keyOf(await modelGraph(fresh.env, { kind: 'vae-encoder', handle: checkpoint.vae }));
    const before = { encodes: fresh.runs.byKey.get(encoder) ?? 0, passes: fresh.runs.referencePasses };

    const first = await run(prompt('A cat in autumn with falling leaves.'));
    expect(first.status).toBe('success');
    expect(fresh.runs.byKey.get(encoder)! - before.encodes).toBe(1);
    expect(fresh.runs.referencePasses - before.passes).toBe(1);
    // A batch of two non-square latents: two images and a mask for each.
    expect(first.outputs['12']?.images).toHaveLength(2);
    const masks = first.outputs['15']?.images ?? [];
    expect(masks).toHaveLength(2);
    const saved = await Promise.all(
      masks.map((m) =>
        decodeImageFile(join(fresh.env.dirs.output, m.subfolder, m.filename), {
          label: 'test',
          name: 'mask',
        }),
      ),
    );
    for (const { image } of saved) {
      expect(image.shape).toEqual([1, 48, 64, 3]);
      expect(new Set(image.data).size).toBeGreaterThan(2);
    }
    expect(saved[0]!.image.data).not.toEqual(saved[1]!.image.data);

    const second = await run(prompt('A cat on the moon.'));
    expect(second.status).toBe('success');
    expect(second.executed).toEqual(expect.arrayContaining(['7', '10']));
    expect(second.executed).not.toContain('3');
    expect(fresh.runs.byKey.get(encoder)! - before.encodes).toBe(1);
    expect(fresh.runs.referencePasses - before.passes).toBe(1);
  });
});
