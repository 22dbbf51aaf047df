import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../errors/engine-error';
import { Tensor } from '../tensor';
import { openSafetensors } from './safetensors-reader';
import { writeSafetensors } from './safetensors-writer';
import { fixturePath } from './test-utils/fixtures';
import { runWeightReaderContract } from './test-utils/weight-reader-contract';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A safetensors file from a header (an object, or raw JSON text) and data bytes. */
async function rawFile(
  name: string,
  header: unknown,
  data: Uint8Array,
  lengthOverride?: bigint,
): Promise<string> {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  const path = join(dir, name);
  await writeFile(path, out);
  return path;
}

for (const dtype of ['F32', 'F16'] as const) {
  runWeightReaderContract({
    name: `safetensors ${dtype}`,
    floatDType: dtype,
    tmpDir: () => dir,
    open: openSafetensors,
    make: async (d, t) => {
      const path = join(d, `contract-${dtype}.safetensors`);
      const tensors = {
        ...Object.fromEntries(
          Object.entries(t.floats).map(([k, v]) => [k, new Tensor('float32', v.shape, v.data)]),
        ),
        ...Object.fromEntries(
          Object.entries(t.ints).map(([k, v]) => [k, new Tensor('int64', v.shape, v.data)]),
        ),
      };
      await writeSafetensors(path, tensors, { dtype });
      return path;
    },
  });
}

describe(`${openSafetensors.name} on the reference fixtures`, () => {
  it('reads the F16 single-file checkpoint equal to the F32 diffusers UNet, tensor for tensor', async () => {
    const ldm = await openSafetensors(fixturePath('tiny-sd.safetensors'));
    const unet = await openSafetensors(fixturePath('tiny-sd/unet/diffusion_pytorch_model.safetensors'));
    try {
      expect(ldm.metadata).toEqual({ format: 'pt' });
      const ldmUnetKeys = ldm.keys().filter((k) => k.startsWith('model.diffusion_model.'));
      expect(ldmUnetKeys.every((k) => ldm.info(k)?.dtype === 'F16')).toBe(true);
      expect(unet.keys().every((k) => unet.info(k)?.dtype === 'F32')).toBe(true);
      expect(ldmUnetKeys).toHaveLength(unet.keys().length);

      // Named pairs of the LDM -> diffusers conversion, compared exactly (the weights are fp16-exact).
      const pairs = [
        ['input_blocks.0.0.weight', 'conv_in.weight'],
        ['time_embed.0.weight', 'time_embedding.linear_1.weight'],
        ['input_blocks.1.0.in_layers.2.weight', 'down_blocks.0.resnets.0.conv1.weight'],
        ['out.0.weight', 'conv_norm_out.weight'],
        ['out.2.weight', 'conv_out.weight'],
      ];
      for (const [l, d] of pairs) {
        const a = await ldm.readFloat32(`model.diffusion_model.${l}`);
        const b = await unet.readFloat32(d!);
        expect(a.shape).toEqual(b.shape);
        expect(a.data).toEqual(b.data);
      }

      // Every diffusers tensor equals some LDM tensor after F16 -> F32 (content match, no key table needed).
      const byContent = new Set<string>();
      for (const k of ldmUnetKeys)
        byContent.add(Buffer.from((await ldm.readFloat32(k)).data.buffer).toString('base64'));
      const unmatched: string[] = [];
      for (const k of unet.keys()) {
        if (!byContent.has(Buffer.from((await unet.readFloat32(k)).data.buffer).toString('base64')))
          unmatched.push(k);
      }
      expect(unmatched).toEqual([]);
    } finally {
      await ldm.close();
      await unet.close();
    }
  });

  it('reads F32 and I64 tensors of vectors.safetensors with values pinned from numpy', async () => {
    const v = await openSafetensors(fixturePath('vectors.safetensors'));
    try {
      const ids = await v.read('mllm.input_ids');
      expect(ids.dtype).toBe('int64');
      expect(ids.shape).toEqual([40]);
      expect([...ids.data.slice(0, 6)]).toEqual([1n, 3148n, 1001n, 29901n, 29871n, -200n]);
      expect(v.info('moma.ip_tokens_uncond')).toEqual({
        name: 'moma.ip_tokens_uncond',
        dtype: 'F32',
        shape: [1, 4, 32],
      });
    } finally {
      await v.close();
    }
  });

  it('reads only the requested bytes (a tensor of a truncated copy is still readable before the cut)', async () => {
    const full = await readFile(fixturePath('vectors.safetensors'));
    const path = join(dir, 'cut.safetensors');
    await writeFile(path, full.subarray(0, full.length - 1));
    // Truncation is detected from the header alone, before any data is read.
    await expect(openSafetensors(path)).rejects.toMatchObject({ code: 'safetensors_offset_out_of_range' });
  });
});

describe(`${openSafetensors.name} on damaged files`, () => {
  const f32 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it.each([
    [
      'an empty file',
      () =>
        writeFile(join(dir, 'empty.safetensors'), new Uint8Array(0)).then(() =>
          join(dir, 'empty.safetensors'),
        ),
      'safetensors_truncated',
    ],
    [
      'a header length past the end',
      () => rawFile('len.safetensors', { a: f32 }, new Uint8Array(8), 10_000n),
      'safetensors_truncated',
    ],
    [
      'a truncated data section',
      () => rawFile('data.safetensors', { a: f32 }, new Uint8Array(5)),
      'safetensors_offset_out_of_range',
    ],
    [
      'bad header JSON',
      () => rawFile('json.safetensors', '{"a": {"dtype', new Uint8Array(0)),
      'safetensors_bad_header',
    ],
    [
      'an unknown dtype',
      () => rawFile('dtype.safetensors', { a: { ...f32, dtype: 'F4' } }, new Uint8Array(8)),
      'safetensors_unknown_dtype',
    ],
    [
      'offsets out of range',
      () => rawFile('range.safetensors', { a: { ...f32, data_offsets: [8, 16] } }, new Uint8Array(8)),
      'safetensors_offset_out_of_range',
    ],
    ['a missing file', async () => join(dir, 'absent.safetensors'), 'weight_file_unreadable'],
  ])('rejects %s with a coded EngineError naming the file', async (_name, make, code) => {
    const path = await make();
    const err = await openSafetensors(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code });
    expect((err as EngineError).message).toContain(path);
  });

  it('gives a reader or an EngineError for files with mutated header bytes (fuzz)', async () => {
    const good = await readFile(
      await rawFile(
        'good.safetensors',
        { __metadata__: { a: 'b' }, a: f32, b: { dtype: 'I64', shape: [1], data_offsets: [8, 16] } },
        new Uint8Array(16),
      ),
    );
    const path = join(dir, 'fuzz.safetensors');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(good.length),
        async (edits, keep) => {
          const bytes = good.slice(0, Math.max(keep, 1));
          for (const [at, b] of edits) if (at < bytes.length) bytes[at] = b;
          await writeFile(path, bytes);
          try {
            const r = await openSafetensors(path);
            // A mutation may leave a valid file: then every tensor must read.
            for (const k of r.keys()) await r.read(k);
            await r.close();
          } catch (err) {
            if (!(err instanceof EngineError)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
