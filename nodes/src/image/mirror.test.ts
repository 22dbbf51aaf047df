import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { mirrorHorizontally } from './mirror';

describe('mirrorHorizontally', () => {
  it('reverses the columns of every row of every image, keeping the channels of each pixel together', () => {
    // 2 images, 2 rows, 3 columns, 2 channels: value = image*100 + row*10 + column, channel adds 0.5.
    const data = new Float32Array(2 * 2 * 3 * 2);
    for (let i = 0; i < 2; i++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++)
          for (let c = 0; c < 2; c++) data[((i * 2 + y) * 3 + x) * 2 + c] = i * 100 + y * 10 + x + c / 2;
    const mirrored = mirrorHorizontally(new Tensor('float32', [2, 2, 3, 2], data));
    expect(mirrored.shape).toEqual([2, 2, 3, 2]);
    expect([...mirrored.data.slice(0, 6)]).toEqual([2, 2.5, 1, 1.5, 0, 0.5]);
    expect([...mirrored.data.slice(18, 24)]).toEqual([112, 112.5, 111, 111.5, 110, 110.5]);
    expect([...mirrorHorizontally(mirrored).data]).toEqual([...data]);
  });
});
