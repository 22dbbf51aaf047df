import { type Conv3x3Setting, SessionCache, Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnet } from './load-unet';
import { fixturePath, parityError, readVectors, vectorNames } from './test-fixtures';
import type { UnetGraphOptions } from './unet-graph';
import { UnetGraphCache } from './unet-graph-cache';
import type { UnetModel } from './unet-model';
import { type UnetRunInput, UnetSession } from './unet-session';

const sessions = SessionCache.create({ maxEntries: 8, defaults: { intraOpNumThreads: 1 } });
const graphs = UnetGraphCache.create({ maxEntries: 8 });
afterAll(() => sessions.dispose());

function f32(t: Tensor<'float32'> | Tensor<'int64'> | undefined, name: string): Tensor<'float32'> {
  if (t === undefined || t.dtype !== 'float32') throw new Error(`fixture tensor '${name}' is not float32`);
  return t;
}

async function run(
  model: UnetModel,
  input: UnetRunInput,
  graph?: UnetGraphOptions,
): Promise<Tensor<'float32'>> {
  const unet = await UnetSession.open({ model, graphs, sessions, ...(graph === undefined ? {} : { graph }) });
  try {
    return (await unet.run(input)).noisePred;
  } finally {
    unet.release();
  }
}

async function unetVectors(): Promise<{ input: UnetRunInput; out: Tensor<'float32'> }> {
  const names = ['unet.sample', 'unet.timestep', 'unet.encoder_hidden_states', 'unet.out'];
  const v = await readVectors(names);
  const timestep = v['unet.timestep'];
  if (timestep === undefined) throw new Error('unet.timestep missing');
  return {
    input: {
      sample: f32(v['unet.sample'], 'unet.sample'),
      timestep,
      encoderHiddenStates: f32(v['unet.encoder_hidden_states'], 'unet.encoder_hidden_states'),
    },
    out: f32(v['unet.out'], 'unet.out'),
  };
}

/** Batch entry `i` of `t` as a batch of one. */
function item(t: Tensor<'float32'>, i: number): Tensor<'float32'> {
  const per = t.size / (t.shape[0] ?? 1);
  return new Tensor('float32', [1, ...t.shape.slice(1)], t.data.slice(i * per, (i + 1) * per));
}

function seeded(shape: readonly number[], seed: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', shape);
  let x = seed;
  for (let i = 0; i < t.size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    t.data[i] = (x / 2 ** 32 - 0.5) * 2;
  }
  return t;
}

describe('SD1.x UNet parity with diffusers (vectors.safetensors unet.*)', () => {
  it.each([
    ['a diffusers folder', 'tiny-sd', 'fused', 17],
    ['a single-file LDM checkpoint', 'tiny-sd.safetensors', 'fused', 17],
    ['a diffusers folder, plain attention', 'tiny-sd', 'plain', 17],
    ['a single-file LDM checkpoint, opset 20 (Gelu op)', 'tiny-sd.safetensors', 'fused', 20],
    ['a diffusers folder, opset 21 (GroupNormalization op)', 'tiny-sd', 'fused', 21],
    ['a single-file LDM checkpoint, Winograd ResNet convs', 'tiny-sd.safetensors', 'fused', 17, 'winograd'],
  ] as const)('matches unet.out from %s', async (_, rel, attention, opset, conv3x3?: Conv3x3Setting) => {
    const { input, out } = await unetVectors();
    const ours = await run(await loadUnet(fixturePath(rel)), input, {
      attention,
      opset,
      conv3x3: conv3x3 ?? 'auto',
    });
    expect(ours.shape).toEqual(out.shape);
    const { maxAbs, bound } = parityError(ours.data, out.data);
    expect(maxAbs).toBeLessThanOrEqual(bound);
  });

  it('gives identical results from the diffusers folder and the single file', async () => {
    const { input } = await unetVectors();
    const a = await run(await loadUnet(fixturePath('tiny-sd')), input);
    const b = await run(await loadUnet(fixturePath('tiny-sd.safetensors')), input);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('adds ControlNet residuals as diffusers does (controlnet.unet_out)', async () => {
    const names = await vectorNames('controlnet.down_');
    const down = names.sort((x, y) => Number(x.split('_').at(-1)) - Number(y.split('_').at(-1)));
    const v = await readVectors([...down, 'controlnet.mid', 'controlnet.unet_out']);
    const { input } = await unetVectors();
    const model = await loadUnet(fixturePath('tiny-sd.safetensors'));
    expect(down).toHaveLength(model.layout.skips.length);
    const residuals = {
      down: down.map((n) => f32(v[n], n)),
      mid: f32(v['controlnet.mid'], 'controlnet.mid'),
    };
    const ours = await run(model, { ...input, controlResiduals: residuals }, { controlResiduals: true });
    const ref = f32(v['controlnet.unet_out'], 'controlnet.unet_out');
    const { maxAbs, bound } = parityError(ours.data, ref.data);
    expect(maxAbs).toBeLessThanOrEqual(bound);
  });

  it('runs each batch entry alone with a scalar timestep as in the batch', async () => {
    const { input, out } = await unetVectors();
    const model = await loadUnet(fixturePath('tiny-sd'));
    const t = input.timestep;
    if (typeof t === 'number') throw new Error('fixture timestep is a tensor');
    for (let i = 0; i < (input.sample.shape[0] ?? 0); i++) {
      const one = await run(model, {
        sample: item(input.sample, i),
        timestep: Number(t.data[i]),
        encoderHiddenStates: item(input.encoderHiddenStates, i),
      });
      const { maxAbs, bound } = parityError(one.data, item(out, i).data);
      expect(maxAbs).toBeLessThanOrEqual(bound);
    }
  });

  it('runs non-square latents, odd sizes and any token count', async () => {
    const model = await loadUnet(fixturePath('tiny-sd'));
    const { inChannels, outChannels, crossAttentionDim } = model.config;
    const step = 2 ** (model.layout.down.length - 1);
    for (const [h, w, tokens] of [
      [step * 3, step * 2, 81],
      [step * 2 + 1, step * 3 - 1, 5],
    ] as const) {
      const out = await run(model, {
        sample: seeded([2, inChannels, h, w], h * 31 + w),
        timestep: 321,
        encoderHiddenStates: seeded([2, tokens, crossAttentionDim], tokens),
      });
      expect(out.shape).toEqual([2, outChannels, h, w]);
      expect(out.data.every(Number.isFinite)).toBe(true);
    }
  });
});
