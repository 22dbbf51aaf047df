import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { createTempEnv, runNode } from '../../image/image-test-utils';
import { cannyEdges } from './canny';
import { grayPlane, type Plane } from './planes';
import { Canny, ScribbleXDoG } from './preprocessor-nodes';
import { scribbleXdog } from './scribble-xdog';

/** [1, size, size, 3]: a gray square (value `v`) on black, rows/cols [from, to). */
function square(size: number, from: number, to: number, v = 1): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [1, size, size, 3]);
  for (let y = from; y < to; y++)
    for (let x = from; x < to; x++) t.data.fill(v, (y * size + x) * 3, (y * size + x) * 3 + 3);
  return t;
}

const on = (p: Plane) =>
  [...p.data.keys()].filter((i) => p.data[i] === 1).map((i) => [i % p.width, Math.floor(i / p.width)]);

describe(cannyEdges.name, () => {
  it('draws a closed one-pixel outline around a square and nothing elsewhere', () => {
    const edges = cannyEdges(grayPlane(square(32, 10, 22), 0), { low: 0.4, high: 0.8 });
    const points = on(edges);
    expect(points.length).toBeGreaterThan(40);
    // Every edge pixel sits within a pixel of the square's border.
    for (const [x, y] of points) {
      const nearX = Math.min(Math.abs(x! - 10), Math.abs(x! - 21));
      const nearY = Math.min(Math.abs(y! - 10), Math.abs(y! - 21));
      expect(Math.min(nearX, nearY), `(${x}, ${y})`).toBeLessThanOrEqual(1);
    }
    expect(edges.data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('keeps weak edges only where they connect to strong ones', () => {
    // A faint square: its gradients stay under a high threshold of 0.99, so nothing survives.
    const faint = grayPlane(square(32, 10, 22, 0.3), 0);
    expect(on(cannyEdges(faint, { low: 0.2, high: 0.99 }))).toEqual([]);
    expect(on(cannyEdges(faint, { low: 0.2, high: 0.4 })).length).toBeGreaterThan(40);
  });
});

describe('Canny and ScribbleXDoG nodes', () => {
  it('output gray IMAGEs of the input size, and Canny refuses low > high', async () => {
    const { env, cleanup } = await createTempEnv();
    try {
      const image = square(24, 6, 18);
      const [edges] = (await runNode(Canny, { image, low_threshold: 0.4, high_threshold: 0.8 }, { env }))
        .outputs as [Tensor<'float32'>];
      expect(edges.shape).toEqual([1, 24, 24, 3]);
      const [lines] = (await runNode(ScribbleXDoG, { image, threshold: 32 }, { env })).outputs as [
        Tensor<'float32'>,
      ];
      expect(lines.shape).toEqual([1, 24, 24, 3]);
      await expect(
        runNode(Canny, { image, low_threshold: 0.9, high_threshold: 0.5 }, { env }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
      });
    } finally {
      await cleanup();
    }
  });
});

describe(scribbleXdog.name, () => {
  it('draws lines along dark-on-light edges and none on a flat image', () => {
    const light = Tensor.zeros('float32', [1, 32, 32, 3]);
    light.data.fill(1);
    expect(on(scribbleXdog(light, 0, { threshold: 32 }))).toEqual([]);
    // A dark square on white: the dark side of its border gets lines.
    const img = square(32, 10, 22, -1);
    for (let i = 0; i < img.size; i++) img.data[i] = img.data[i] === -1 ? 0 : 1;
    const lines = on(scribbleXdog(img, 0, { threshold: 32 }));
    expect(lines.length).toBeGreaterThan(20);
    for (const [x, y] of lines) expect(x! >= 8 && x! <= 23 && y! >= 8 && y! <= 23).toBe(true);
  });
});
