import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { insertPngText, readPngText } from './png-text-chunks';

async function tinyPng(): Promise<Buffer> {
  return sharp(Buffer.from([10, 20, 30, 40, 50, 60]), { raw: { width: 2, height: 1, channels: 3 } })
    .png()
    .toBuffer();
}

/** A chunk built by hand (independently of the module's writer). */
function chunk(type: string, data: Buffer, crcOverride?: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crcOverride ?? crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Inserts raw chunks right after IHDR (signature 8 bytes + IHDR 25 bytes). */
const withChunks = (png: Buffer, ...chunks: Buffer[]) =>
  Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);

const chunkTypes = (png: Buffer): string[] => {
  const types: string[] = [];
  for (let o = 8; o + 8 <= png.length; o += 12 + png.readUInt32BE(o))
    types.push(png.toString('latin1', o + 4, o + 8));
  return types;
};

describe(insertPngText.name, () => {
  it('writes tEXt for ASCII and iTXt for other text, before IDAT, readable by libvips', async () => {
    const png = await tinyPng();
    const texts = {
      prompt: '{"1":{"class_type":"LoadImage"}}',
      workflow: '{"name":"chat 猫 🐱"}',
      note: 'café',
    };
    const out = insertPngText(png, texts);
    const types = chunkTypes(out);
    expect(types.at(-1)).toBe('IEND');
    const idat = types.indexOf('IDAT');
    expect(types.slice(idat - 3, idat)).toEqual(['tEXt', 'iTXt', 'iTXt']);
    expect(types.filter((t) => t !== 'tEXt' && t !== 'iTXt')).toEqual(chunkTypes(png));
    expect(readPngText(out)).toEqual(texts);
    // libvips/libpng checks the CRCs and parses the chunks on its own.
    const meta = await sharp(out).metadata();
    expect(Object.fromEntries((meta.comments ?? []).map((c) => [c.keyword, c.text]))).toEqual(texts);
    expect(png.equals(await tinyPng())).toBe(true); // input untouched
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(80), 'too long'],
    [' lead', 'leading space'],
    ['a\u0000b', 'NUL'],
    ['猫', 'not latin-1'],
  ])('rejects the keyword %j (%s)', async (keyword) => {
    const png = await tinyPng();
    expect(() => insertPngText(png, { [keyword]: 'x' })).toThrow(
      expect.objectContaining({ code: 'invalid_png_text' }),
    );
  });

  it('rejects NUL inside the text and data that is not a PNG', async () => {
    expect(() => insertPngText(Buffer.from([1, 2, 3]), { a: 'b' })).toThrow(
      expect.objectContaining({ code: 'invalid_png' }),
    );
    const png = await tinyPng();
    expect(() => insertPngText(png, { a: 'b\u0000c' })).toThrow(
      expect.objectContaining({ code: 'invalid_png_text' }),
    );
  });
});

describe(readPngText.name, () => {
  it('reads zTXt and compressed iTXt chunks', async () => {
    const z = chunk(
      'zTXt',
      Buffer.concat([Buffer.from('prompt\0\0', 'latin1'), deflateSync(Buffer.from('ä{}', 'latin1'))]),
    );
    const i = chunk(
      'iTXt',
      Buffer.concat([
        Buffer.from('workflow\0\x01\x00en\0Arbeitsablauf\0', 'latin1'),
        deflateSync(Buffer.from('🐱', 'utf8')),
      ]),
    );
    expect(readPngText(withChunks(await tinyPng(), z, i))).toEqual({ prompt: 'ä{}', workflow: '🐱' });
  });

  it('reads tEXt as latin-1, or as UTF-8 when a writer put valid UTF-8 there', async () => {
    const latin1 = chunk(
      'tEXt',
      Buffer.concat([Buffer.from('a\0', 'latin1'), Buffer.from('café', 'latin1')]),
    );
    const utf8 = chunk('tEXt', Buffer.concat([Buffer.from('b\0', 'latin1'), Buffer.from('猫 café', 'utf8')]));
    expect(readPngText(withChunks(await tinyPng(), latin1, utf8))).toEqual({ a: 'café', b: '猫 café' });
  });

  it('lets a later chunk win, skips bad CRCs and malformed chunks, and tolerates a truncated tail', async () => {
    const png = await tinyPng();
    const first = chunk('tEXt', Buffer.from('k\0one', 'latin1'));
    const second = chunk('tEXt', Buffer.from('k\0two', 'latin1'));
    const corrupt = chunk('tEXt', Buffer.from('bad\0crc', 'latin1'), 12345);
    const noKeyword = chunk('tEXt', Buffer.from('\0text', 'latin1'));
    const badMethod = chunk('zTXt', Buffer.from('z\0\x05garbage', 'latin1'));
    const file = withChunks(png, first, second, corrupt, noKeyword, badMethod);
    expect(readPngText(file)).toEqual({ k: 'two' });
    expect(readPngText(file.subarray(0, file.length - 20))).toEqual({ k: 'two' });
    expect(readPngText(png)).toEqual({});
  });

  it('throws invalid_png for data that is not a PNG', () => {
    expect(() => readPngText(Buffer.from('GIF89a'))).toThrow(
      expect.objectContaining({ code: 'invalid_png' }),
    );
  });
});
