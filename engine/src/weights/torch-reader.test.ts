import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor';
import { float32ToFloat16Array } from './float16';
import { PickleWriter } from './pickle-writer';
import { openSafetensors } from './safetensors-reader';
import { fixturePath } from './test-utils/fixtures';
import { bytesOf, useTempFiles } from './test-utils/temp-files';
import { buildTorchFile } from './test-utils/torch-file-builder';
import { runWeightReaderContract } from './test-utils/weight-reader-contract';
import { isTorchTree, openTorchFile, readTorchPickle } from './torch-reader';
import { TorchTensorHandle } from './torch-tensor';
import type { StateTree, TensorViewSpec } from './torch-writer';
import { torchStatePickle } from './torch-writer';

const tmp = useTempFiles('torch');
const torchFile = (bytes: Uint8Array): Promise<string> => tmp.file(bytes);
const view = (v: Omit<TensorViewSpec, 'storageType'> & Partial<TensorViewSpec>): TensorViewSpec => ({
  storageType: 'FloatStorage',
  ...v,
});

for (const floatDType of ['F32', 'F16'] as const) {
  runWeightReaderContract({
    name: `torch zip ${floatDType}`,
    floatDType,
    tmpDir: tmp.dir,
    open: openTorchFile,
    make: async (_d, t) => {
      const storages: Record<string, Uint8Array> = {};
      const tree: Record<string, TensorViewSpec> = {};
      let key = 0;
      for (const [name, v] of Object.entries(t.floats)) {
        const k = String(key++);
        storages[k] = bytesOf(floatDType === 'F16' ? float32ToFloat16Array(v.data) : v.data);
        const stride = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
        const storageType = floatDType === 'F16' ? 'HalfStorage' : 'FloatStorage';
        tree[name] = {
          storageType,
          key: k,
          numel: v.data.length,
          offset: 0,
          shape: v.shape,
          stride,
          parameter: key === 1,
        };
      }
      for (const [name, v] of Object.entries(t.ints)) {
        const k = String(key++);
        storages[k] = bytesOf(v.data);
        tree[name] = {
          storageType: 'LongStorage',
          key: k,
          numel: v.data.length,
          offset: 0,
          shape: v.shape,
          stride: [1],
        };
      }
      return torchFile(buildTorchFile({ pickle: torchStatePickle(tree), storages }));
    },
  });
}

/** Reference strided gather written independently of the reader: element = storage[offset + Σ i_k s_k]. */
describe(`${openTorchFile.name} on the reference fixtures`, () => {
  it("flattens MoMA's nested .th dict and its tensors reproduce the reference ImageProjModel outputs", async () => {
    const th = await openTorchFile(fixturePath('tiny-moma/attn_adapters_projectors.th'));
    const vec = await openSafetensors(fixturePath('vectors.safetensors'));
    try {
      expect(th.keys()).toHaveLength(62);
      expect(th.keys().filter((k) => !/^(projectors|self_cross_attentions|llm_mapping)\./.test(k))).toEqual(
        [],
      );
      expect(th.info('projectors.proj.weight')).toEqual({
        name: 'projectors.proj.weight',
        dtype: 'F32',
        shape: [128, 16],
      });
      const [W, B, nw, nb] = await Promise.all(
        ['proj.weight', 'proj.bias', 'norm.weight', 'norm.bias'].map((k) =>
          th.readFloat32(`projectors.${k}`),
        ),
      );
      const layerNorm = (x: number[]): number[] => {
        const m = x.reduce((a, b) => a + b, 0) / x.length;
        const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length;
        return x.map((y, i) => ((y - m) / Math.sqrt(v + 1e-5)) * nw!.data[i]! + nb!.data[i]!);
      };
      const project = (e: Float32Array): number[] => {
        const y = Array.from(
          { length: 128 },
          (_, o) => B!.data[o]! + e.reduce((a, x, i) => a + x * W!.data[o * 16 + i]!, 0),
        );
        return [0, 1, 2, 3].flatMap((t) => layerNorm(y.slice(t * 32, t * 32 + 32)));
      };
      const close = (ours: number[], ref: Tensor<'float32'>): void => {
        const err = Math.max(...ours.map((x, i) => Math.abs(x - ref.data[i]!)));
        expect(err).toBeLessThan(1e-4);
      };
      close(project(new Float32Array(16)), await vec.readFloat32('moma.ip_tokens_uncond'));
      close(
        project((await vec.readFloat32('mllm.embedding')).data),
        await vec.readFloat32('moma.ip_tokens_cond'),
      );

      // llm_mapping: embedding = down(silu(gate(x)) * up(x)) at the last token of the LLaVA output.
      const hidden = await vec.readFloat32('mllm.last_hidden_state');
      const x = hidden.data.subarray(hidden.size - 64);
      const lin = (w: Tensor<'float32'>, v: ArrayLike<number>): number[] =>
        Array.from({ length: w.shape[0]! }, (_, o) =>
          Array.from(v).reduce((a, xi, i) => a + xi * w.data[o * w.shape[1]! + i]!, 0),
        );
      const g = lin(await th.readFloat32('llm_mapping.mapping.gate_proj.weight'), x);
      const u = lin(await th.readFloat32('llm_mapping.mapping.up_proj.weight'), x);
      const h = g.map((gi, i) => (gi / (1 + Math.exp(-gi))) * u[i]!);
      close(
        lin(await th.readFloat32('llm_mapping.mapping.down_proj.weight'), h),
        await vec.readFloat32('mllm.embedding'),
      );
    } finally {
      await th.close();
      await vec.close();
    }
  });

  it('exposes the nested structure through readTorchPickle', async () => {
    const tree = await readTorchPickle(fixturePath('tiny-moma/attn_adapters_projectors.th'));
    expect(Object.keys(tree)).toEqual(['projectors', 'self_cross_attentions', 'llm_mapping']);
    const mapping = tree.llm_mapping;
    if (!isTorchTree(mapping)) throw new Error('llm_mapping is not a dict');
    expect(Object.keys(mapping).sort()).toEqual([
      'mapping.down_proj.weight',
      'mapping.gate_proj.weight',
      'mapping.up_proj.weight',
    ]);
    const gate = mapping['mapping.gate_proj.weight'];
    expect(gate).toBeInstanceOf(TorchTensorHandle);
    const t = await (gate as TorchTensorHandle).readFloat32();
    const flat = await openTorchFile(fixturePath('tiny-moma/attn_adapters_projectors.th'));
    expect(t.data).toEqual((await flat.readFloat32('llm_mapping.mapping.gate_proj.weight')).data);
    await flat.close();
  });

  it('reads the fp16 LLaVA .bin with values pinned from numpy', async () => {
    const w = await openTorchFile(fixturePath('tiny-moma/llava/pytorch_model.bin'));
    try {
      expect(w.keys()).toHaveLength(24);
      expect(w.keys().some((k) => k.startsWith('lm_head'))).toBe(false);
      expect(w.keys().every((k) => w.info(k)?.dtype === 'F16')).toBe(true);
      expect(w.info('model.embed_tokens.weight')?.shape).toEqual([32000, 64]);
      expect(w.has('model.mm_projector.0.weight') && w.has('model.mm_projector.2.weight')).toBe(true);
      const emb = await w.readFloat32('model.embed_tokens.weight');
      expect([...emb.data.subarray(0, 4)]).toEqual([
        -0.1763916015625, 0.1983642578125, -0.06622314453125, -0.01236724853515625,
      ]);
    } finally {
      await w.close();
    }
  });
});

describe('torch archive layouts and damage', () => {
  const one: StateTree = { w: view({ key: '0', numel: 2, offset: 0, shape: [2], stride: [1] }) };
  const store = { '0': bytesOf(Float32Array.from([1.5, -2])) };

  it.each([
    ['ZIP64 records', { zip: { zip64: true } }],
    ['a deflated data.pkl', { deflatePickle: true }],
    ['no byteorder entry', { byteorder: null }],
    ['another archive name', { archive: 'pytorch_model' }],
  ] as const)('reads %s', async (_name, layout) => {
    const path = await torchFile(
      buildTorchFile({ pickle: torchStatePickle(one), storages: store, ...layout }),
    );
    const r = await openTorchFile(path);
    expect([...(await r.readFloat32('w')).data]).toEqual([1.5, -2]);
    await r.close();
  });

  it('reads big-endian storages when byteorder says so', async () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    const path = await torchFile(
      buildTorchFile({ pickle: torchStatePickle(one), storages: { '0': be }, byteorder: 'big' }),
    );
    const r = await openTorchFile(path);
    expect([...(await r.readFloat32('w')).data]).toEqual([1.5, -2]);
    await r.close();
  });

  const selfList = new PickleWriter()
    .proto(2)
    .emptyDict()
    .str('x')
    .emptyList()
    .binput(0)
    .binget(0)
    .append()
    .setitem()
    .stop();
  const dag = (() => {
    const w = new PickleWriter().proto(2).emptyDict().str('x').emptyList().none().append();
    for (let i = 0; i < 24; i++) w.binput(0).raw(0x30).emptyList().binget(0).append().binget(0).append();
    return w.setitem().stop();
  })();
  const collide = new PickleWriter()
    .proto(2)
    .emptyDict()
    .mark()
    .int(1)
    .none()
    .str('1')
    .none()
    .setitems()
    .stop();

  it.each([
    ['a legacy (non-zip) pickle', () => Uint8Array.from([0x80, 2, 0x7d, 0x2e]), 'torch_legacy_format'],
    ['a text file', () => new TextEncoder().encode('hello world'), 'torch_not_an_archive'],
    [
      'an archive without data.pkl',
      () => buildTorchFile({ pickle: new Uint8Array(0), archive: 'a/b' }),
      'torch_not_an_archive',
    ],
    [
      'an unknown byteorder',
      () =>
        buildTorchFile({ pickle: torchStatePickle(one), storages: store, byteorder: 'big' as const }).map(
          (b, i, a) => (i > 0 && a[i - 1] === 0x62 && b === 0x69 ? 0x6f : b),
        ),
      'torch_not_an_archive',
    ],
    [
      'a list at the root',
      () => buildTorchFile({ pickle: new PickleWriter().proto(2).emptyList().stop().bytes() }),
      'torch_root_not_dict',
    ],
    ['a list containing itself', () => buildTorchFile({ pickle: selfList.bytes() }), 'pickle_malformed'],
    [
      'shared lists expanding to 2^24 leaves',
      () => buildTorchFile({ pickle: dag.bytes() }),
      'pickle_malformed',
    ],
    ['keys 1 and "1" in one dict', () => buildTorchFile({ pickle: collide.bytes() }), 'torch_duplicate_key'],
    [
      "'a.b' and a→b naming two tensors",
      () =>
        buildTorchFile({ pickle: torchStatePickle({ 'a.b': one.w!, a: { b: one.w! } }), storages: store }),
      'torch_duplicate_key',
    ],
  ])('rejects %s', async (_name, make, code) => {
    const path = await torchFile(make());
    await expect(openTorchFile(path)).rejects.toMatchObject({ code, message: expect.stringContaining(path) });
  });

  it('reports a missing or short storage when the tensor is read', async () => {
    const missing = await torchFile(buildTorchFile({ pickle: torchStatePickle(one) }));
    const r1 = await openTorchFile(missing);
    await expect(r1.read('w')).rejects.toMatchObject({ code: 'zip_entry_missing' });
    await r1.close();
    const short = await torchFile(
      buildTorchFile({ pickle: torchStatePickle(one), storages: { '0': new Uint8Array(4) } }),
    );
    const r2 = await openTorchFile(short);
    await expect(r2.read('w')).rejects.toMatchObject({ code: 'zip_malformed' });
    await r2.close();
  });
});
