import { Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLoaderSimple } from '../diffusion/checkpoint-loader-simple';
import type { ClipModel, Conditioning } from '../diffusion/diffusion-types';
import { emptyLatent } from '../diffusion/empty-latent-image';
import { encodePrompt } from '../diffusion/encode-prompt';
import { KSampler } from '../diffusion/ksampler';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from '../diffusion/test-support';
import { firstDifference } from '../image/image-test-utils';
import { makeTinyControlNet, TINY_CONTROLNET_FILE, TINY_SD15_FILE } from '../models/tiny';
import type { UnetModel } from '../models/unet';
import { SD1_SCHEDULE } from '../samplers';
import { applyControl } from './apply-controlnet';
import { startControlRun } from './control-run';
import type { ControlNetHandle, ControlSettings } from './control-types';
import { loadControlNetHandle } from './controlnet-loader';
import { addResiduals } from './residual-math';

let ws: TinyWorkspace;
let model: UnetModel;
let positive: Conditioning;
let negative: Conditioning;
let control: ControlNetHandle;

beforeAll(async () => {
  ws = await tinyWorkspace();
  await makeTinyControlNet({ modelsDir: ws.env.dirs.models });
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  let clip: ClipModel;
  [model, clip] = out;
  positive = (await encodePrompt(ws.env, clip, 'a house by a tree')).conditioning;
  negative = (await encodePrompt(ws.env, clip, 'blurry')).conditioning;
  control = await loadControlNetHandle(ws.env, TINY_CONTROLNET_FILE);
});
afterAll(() => ws.dispose());

/** A hint [1, h, w, 3]: a white rectangle outline on black. */
function outline(height: number, width: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [1, height, width, 3]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const edge = (y === 8 || y === height - 9) && x >= 8 && x < width - 8;
      const side = (x === 8 || x === width - 9) && y >= 8 && y < height - 8;
      if (edge || side) t.data.fill(1, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return t;
}

const WIDTH = 96;
const HEIGHT = 64;

function settings(over: Partial<ControlSettings> = {}): ControlSettings {
  return {
    controlNet: control,
    hint: outline(HEIGHT, WIDTH),
    strength: 1,
    startPercent: 0,
    endPercent: 1,
    applyToUncond: false,
    ...over,
  };
}

async function sample(pos: Conditioning, neg: Conditioning, batch = 1): Promise<Tensor<'float32'>> {
  const out = await KSampler.run(recordingContext(ws.env).ctx, {
    model,
    seed: 7,
    steps: 3,
    cfg: 7,
    sampler_name: 'euler',
    scheduler: 'normal',
    positive: pos,
    negative: neg,
    latent_image: emptyLatent({ width: WIDTH, height: HEIGHT, batch }),
    denoise: 1,
  });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0].samples;
}

function maxDiff(a: Tensor<'float32'>, b: Tensor<'float32'>): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

describe('ControlNet in sampling', () => {
  const plain = () => sample(positive, negative);

  it('changes the result, and at strength 0 reproduces plain sampling bit for bit', async () => {
    const reference = await plain();
    const [pos, neg] = applyControl([positive, negative], settings());
    expect(maxDiff(await sample(pos!, neg!), reference)).toBeGreaterThan(1e-2);
    // Strength 0 through the whole residual path (the nodes return their inputs before getting here).
    const [pos0, neg0] = applyControl([positive, negative], settings({ strength: 0 }));
    expect(firstDifference((await sample(pos0!, neg0!)).data, reference.data)).toBeUndefined();
  });

  it('acts only inside its start / end window', async () => {
    const reference = await plain();
    const [never, neverNeg] = applyControl(
      [positive, negative],
      settings({ startPercent: 0, endPercent: 0 }),
    );
    expect(firstDifference((await sample(never!, neverNeg!)).data, reference.data)).toBeUndefined();
    const [full, fullNeg] = applyControl([positive, negative], settings());
    const [late, lateNeg] = applyControl([positive, negative], settings({ startPercent: 0.5 }));
    const lateResult = await sample(late!, lateNeg!);
    expect(maxDiff(lateResult, reference)).toBeGreaterThan(0);
    expect(maxDiff(lateResult, await sample(full!, fullNeg!))).toBeGreaterThan(0);
  });

  it('runs a batch of 2 with one hint of another size, noting the resize', async () => {
    const before = ws.lines.length;
    const [pos, neg] = applyControl([positive, negative], settings({ hint: outline(40, 40) }));
    const two = await sample(pos!, neg!, 2);
    expect(two.shape).toEqual([2, 4, HEIGHT / 8, WIDTH / 8]);
    const notes = ws.lines.slice(before).filter((l) => l.message.includes('resized'));
    expect(notes.map((l) => l.message)).toEqual([
      `KSampler: ControlNet '${TINY_CONTROLNET_FILE}': hint 40x40 resized to ${WIDTH}x${HEIGHT}, the size of the sampled image (center crop, nearest-exact)`,
    ]);
    // Both latents come from one seed's noise but differ; the ControlNet steered both alike.
    expect(maxDiff(two, await sample(positive, negative, 2))).toBeGreaterThan(1e-2);
  });

  it('sums the residuals of chained ControlNets', async () => {
    const [first] = applyControl([positive], settings({ strength: 0.6 }));
    const [chained] = applyControl(
      [first!],
      settings({ strength: 0.9, hint: outline(HEIGHT / 2, WIDTH / 2) }),
    );
    const latentShape = [1, 4, HEIGHT / 8, WIDTH / 8];
    const run = (entries: Conditioning) =>
      startControlRun({
        env: ws.env,
        model,
        entries,
        latentShape,
        schedule: SD1_SCHEDULE,
        log: ws.env.log,
        label: 'test',
      });
    const call = (entries: Conditioning) => ({
      entries,
      batch: 1,
      sample: new Tensor(
        'float32',
        latentShape,
        Float32Array.from({ length: 4 * 8 * 12 }, (_, i) => Math.sin(i)),
      ),
      context: entries[0]!.context,
      timestep: 500,
      sigma: undefined,
    });
    const lone = [{ ...positive[0]!, control: { ...chained![0]!.control!, previous: undefined } }];
    const [both, a, b] = await Promise.all([run(chained!), run(first!), run(lone)]);
    try {
      const sum = addResiduals(await a!.residuals(call(first!)), await b!.residuals(call(lone)));
      const got = await both!.residuals(call(chained!));
      expect(maxDiff(got.mid, sum.mid)).toBeLessThan(1e-5);
      for (const [i, d] of got.down.entries()) expect(maxDiff(d, sum.down[i]!)).toBeLessThan(1e-5);
    } finally {
      for (const r of [both, a, b]) r?.release();
    }
  });
});
