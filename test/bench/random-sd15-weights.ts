/**
 * @module
 * Random weights with the real SD1.5 UNet shapes for the benchmarks (nothing to download): made inside
 * `load()`, so nothing keeps their 3.4 GB once a graph is written.
 */
import { Tensor } from '@momaflow/engine';
import { WeightMap } from '../../nodes/src/models/ldm-config/index';
import {
  SD15_UNET_CONFIG,
  type UnetWeightSource,
  unetLayout,
  unetWeightShapes,
} from '../../nodes/src/models/unet/index';

/**
 * xorshift32 uniform values in [-bound, bound): fast enough for 860M values, and never denormal.
 * @example
 * fillUniform(t.data, 7, Math.sqrt(3)); // unit variance
 */
export function fillUniform(a: Float32Array, seed: number, bound: number): void {
  let x = seed | 1;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 4294967296 - 0.5) * 2 * bound;
  }
}

/**
 * Norm scales 1, biases 0, other weights uniform with 1 / sqrt(fan_in) bounds, seeded.
 * @example
 * const model = createUnetModel({ config: SD15_UNET_CONFIG, weights: randomSd15Weights(1) });
 */
export function randomSd15Weights(seed: number): UnetWeightSource {
  const shapes = unetWeightShapes(unetLayout(SD15_UNET_CONFIG));
  return {
    id: `random-sd15-${seed}`,
    origin: 'random SD1.5 weights',
    load: async () => {
      const tensors: Record<string, Tensor<'float32'>> = {};
      let i = 0;
      for (const [key, shape] of shapes) {
        const t = Tensor.zeros('float32', shape);
        const isNormScale = shape.length === 1 && key.endsWith('.weight');
        if (isNormScale) t.data.fill(1);
        else if (!key.endsWith('.bias')) {
          const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
          fillUniform(t.data, seed + i++, 1 / Math.sqrt(fanIn));
        }
        tensors[key] = t;
      }
      return WeightMap.fromTensors('random SD1.5', tensors);
    },
  };
}
