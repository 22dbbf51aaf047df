import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { imageToVaeInput, vaeOutputToImage } from './image-layout';

/** NHWC image whose value at (y, x, c) is y * 1000 + x * 10 + c, scaled into [0, 1]. */
function indexImage(height: number, width: number, channels: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [1, height, width, channels]);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        t.data[(y * width + x) * channels + c] = (y * 1000 + x * 10 + c) / 1e5;
  return t;
}

const decode = (v: number) => Math.round(((v + 1) / 2) * 1e5);

describe(imageToVaeInput.name, () => {
  it('crops to multiples of 8 around the centre as ComfyUI does and maps [0, 1] to [-1, 1]', () => {
    const out = imageToVaeInput(indexImage(13, 19, 3), 0, 'label');
    expect(out.shape).toEqual([1, 3, 8, 16]);
    // offsets: (13 % 8) // 2 = 2 rows, (19 % 8) // 2 = 1 column
    expect(decode(out.data[0]!)).toBe(2 * 1000 + 1 * 10);
    expect(decode(out.data[2 * 8 * 16 + 7 * 16 + 15]!)).toBe(9 * 1000 + 16 * 10 + 2);
  });

  it('drops alpha and repeats a gray channel', () => {
    expect(imageToVaeInput(indexImage(8, 8, 4), 0, 'label').shape).toEqual([1, 3, 8, 8]);
    const gray = imageToVaeInput(indexImage(8, 8, 1), 0, 'label');
    expect(gray.data[0]).toBe(gray.data[64]);
  });

  it('refuses images below 8x8, naming the input', () => {
    expect(() => imageToVaeInput(indexImage(7, 20, 3), 0, "VAEEncode input 'pixels'")).toThrow(
      /VAEEncode input 'pixels': a 20x7 image/,
    );
  });
});

describe(vaeOutputToImage.name, () => {
  it('turns NCHW [-1, 1] into NHWC [0, 1], clamped', () => {
    const decoded = new Tensor('float32', [1, 3, 1, 2], Float32Array.from([-3, 0, 1, 0.5, 3, -1]));
    const image = vaeOutputToImage(decoded);
    expect(image.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(image.data)).toEqual([0, 1, 1, 0.5, 0.75, 0]);
  });
});
