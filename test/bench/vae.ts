/**
 * VAE benchmark: a full-size SD1.5 VAE decoder (random weights, real channel counts 128/256/512/512)
 * decoding one 64x64 latent (a 512x512 image), per graph variant. Prints figures; not a timed test.
 *   pnpm exec tsx test/bench/vae.ts [runs] [variant...]     variant = fused@21 | plain@21 | fused@17 | ...
 * Reference on this 2-core machine: diffusers on PyTorch CPU takes 8.6-9.0 s for the same decode.
 */
import { SessionCache, Tensor } from '@momaflow/engine';
import { WeightMap } from '../../nodes/src/models/ldm-config';
import {
  buildVaeDecoderGraph,
  SD1_VAE_CONFIG,
  type VaeAttentionKernel,
  vaeDecode,
} from '../../nodes/src/models/vae';

const runs = Number(process.argv[2] ?? 3);
const variants = process.argv.slice(3).length > 0 ? process.argv.slice(3) : ['fused@21'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** xorshift32 uniform in [-1, 1): fast enough for 84M weights, deterministic. */
function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 31 - 1;
  };
}

// He-like scale keeps activations finite through 30 resnets, so no denormal or NaN slow paths.
const next = uniform(1234);
const weights = WeightMap.synthetic('random SD1.5 VAE', (key, shape) => {
  const t = Tensor.zeros('float32', shape);
  if (shape.length === 1) {
    if (/norm[^.]*\.weight$/.test(key)) t.data.fill(1);
    return t;
  }
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const scale = Math.sqrt(3 / fanIn);
  for (let i = 0; i < t.size; i++) t.data[i] = next() * scale;
  return t;
});

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const latent = Tensor.zeros('float32', [1, 4, 64, 64]);
const noise = uniform(7);
for (let i = 0; i < latent.size; i++) latent.data[i] = noise() * 2;

const cache = SessionCache.create({ maxEntries: 1 });
for (const variant of variants) {
  const [kernel = 'fused', opsetText = '21'] = variant.split('@');
  const t0 = performance.now();
  const model = buildVaeDecoderGraph(weights, SD1_VAE_CONFIG, {
    attention: kernel as VaeAttentionKernel,
    opset: Number(opsetText),
  });
  const t1 = performance.now();
  const lease = await cache.acquire({ model });
  const t2 = performance.now();
  const times: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const s = performance.now();
      const image = await vaeDecode(lease.session, latent);
      times.push((performance.now() - s) / 1000);
      if (image.shape[2] !== 512 || image.shape[3] !== 512) throw new Error(`got ${image.shape.join('x')}`);
    }
  } finally {
    lease.release();
  }
  await cache.unload(lease.key);
  console.log(
    `${variant}: build ${((t1 - t0) / 1000).toFixed(2)} s (${(model.bytes.byteLength / 2 ** 20).toFixed(0)} MiB), ` +
      `session ${((t2 - t1) / 1000).toFixed(2)} s, decode 64x64 -> 512x512: median ${median(times).toFixed(2)} s ` +
      `[${times.map((t) => t.toFixed(2)).join(', ')}], peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB`,
  );
}
clearInterval(sampler);
await cache.dispose();
