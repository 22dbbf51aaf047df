/**
 * VAE benchmark: a full-size SD1.5 VAE decoder (random weights, real channel counts 128/256/512/512)
 * decoding one 64x64 latent (a 512x512 image), per graph variant. Prints figures; not a timed test.
 *   pnpm exec tsx --expose-gc test/bench/vae.ts [runs] [variant...]
 * variant = attention@opset/conv3x3, e.g. fused@17/auto (the default graph), plain@21/direct; default
 * fused@17/auto fused@17/direct. Decodes alternate between variants; each is compared with the first.
 * Reference on this 2-core machine: diffusers on PyTorch CPU takes 8.6-9.0 s for the same decode.
 * The machine's matmul rate is measured before and after, so a decode on a busy machine can still be
 * read as a multiple of its ideal time (multiply-adds x 2 / matmul flop rate). Sessions come from a
 * node environment's `DIFFUSION_SESSIONS` with VAEDecode's session options, so thread count, arena and
 * optimised-model cache are what users get (the graphs differ only by the variant's options).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Conv3x3Setting,
  createNodeEnv,
  measureMatmulGflops,
  SILENT_LOGGER,
  Tensor,
} from '@momaflow/engine';
import { DIFFUSION_SESSIONS } from '../../nodes/src/diffusion/diffusion-resources';
import { MODEL_SESSION_OPTIONS } from '../../nodes/src/diffusion/model-graphs';
import { WeightMap } from '../../nodes/src/models/ldm-config';
import {
  buildVaeDecoderGraph,
  SD1_VAE_CONFIG,
  type VaeAttentionKernel,
  type VaeConfig,
  vaeDecode,
} from '../../nodes/src/models/vae';

const runs = Number(process.argv[2] ?? 3);
const variants =
  process.argv.slice(3).length > 0 ? process.argv.slice(3) : ['fused@17/auto', 'fused@17/direct'];
const LATENT = 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Multiply-adds of the decoder as built (upsampler convs folded to four 2x2 convs at low resolution). */
function decoderMacs(c: VaeConfig, size: number): number {
  const conv = (px: number, cin: number, cout: number, k: number) => px * cin * cout * k * k;
  const resnet = (px: number, cin: number, cout: number) =>
    conv(px, cin, cout, 3) + conv(px, cout, cout, 3) + (cin === cout ? 0 : conv(px, cin, cout, 1));
  const channels = [...c.blockOutChannels].reverse();
  let px = size * size;
  const top = channels[0]!;
  let macs = conv(px, c.latentChannels, c.latentChannels, 1) + conv(px, c.latentChannels, top, 3);
  macs += 2 * resnet(px, top, top) + 4 * px * top * top + 2 * px * px * top; // mid: resnets, q/k/v/out, attention
  let prev = top;
  channels.forEach((out, level) => {
    for (let j = 0; j <= c.layersPerBlock; j++) macs += resnet(px, j === 0 ? prev : out, out);
    if (level < channels.length - 1) {
      macs += 4 * conv(px, out, out, 2);
      px *= 4;
    }
    prev = out;
  });
  return macs + conv(px, c.blockOutChannels[0]!, c.outChannels, 3);
}

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
  const scale = Math.sqrt(3 / shape.slice(1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < t.size; i++) t.data[i] = next() * scale;
  return t;
});

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const latent = Tensor.zeros('float32', [1, 4, LATENT, LATENT]);
const noise = uniform(7);
for (let i = 0; i < latent.size; i++) latent.data[i] = noise() * 2;

// Another process on this 2-core machine slows decodes by up to 2x: print the load next to the timings.
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average before: ${load()}`);
const temp = await mkdtemp(join(tmpdir(), 'momaflow-vae-bench-'));
const env = createNodeEnv({ dirs: { input: temp, output: temp, temp, models: temp }, log: SILENT_LOGGER });
const threads = env.compute.threads;
const gflopsBefore = (await measureMatmulGflops({ n: 1024, threads })).gflops;
const tflop = (2 * decoderMacs(SD1_VAE_CONFIG, LATENT)) / 1e12;
console.log(
  `decoder: ${tflop.toFixed(2)} TFLOP per 64x64 latent; matmul ${gflopsBefore.toFixed(0)} GFLOP/s (${threads} threads, as the sessions)`,
);

/** Max |difference| between two images, relative to the first one's largest magnitude. */
function relativeDifference(a: Tensor<'float32'>, b: Tensor<'float32'>): number {
  let diff = 0;
  let range = 0;
  for (let i = 0; i < a.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i]! - b.data[i]!));
    range = Math.max(range, Math.abs(a.data[i]!));
  }
  return diff / range;
}

// Every variant's session is loaded first and the decodes alternate between variants, so a load
// change on this shared machine hits each variant alike and the ratio between them stays fair.
const cache = env.resource(DIFFUSION_SESSIONS);
const loaded = [];
for (const variant of variants) {
  const [kernel = 'fused', opsetText = '17', conv3x3 = 'auto'] = variant.split(/[@/]/);
  const t0 = performance.now();
  const model = buildVaeDecoderGraph(weights, SD1_VAE_CONFIG, {
    attention: kernel as VaeAttentionKernel,
    opset: Number(opsetText),
    conv3x3: conv3x3 as Conv3x3Setting,
  });
  const t1 = performance.now();
  const lease = await cache.acquire({ model }, MODEL_SESSION_OPTIONS['vae-decoder']);
  const setup =
    `build ${((t1 - t0) / 1000).toFixed(2)} s (${(model.bytes.byteLength / 2 ** 20).toFixed(0)} MiB), ` +
    `session ${((performance.now() - t1) / 1000).toFixed(2)} s`;
  loaded.push({
    variant,
    lease,
    setup,
    times: [] as number[],
    image: undefined as Tensor<'float32'> | undefined,
  });
}
try {
  for (let r = 0; r < runs; r++) {
    for (const v of loaded) {
      const s = performance.now();
      const image = await vaeDecode(v.lease.session, latent);
      v.times.push((performance.now() - s) / 1000);
      if (image.shape[2] !== 8 * LATENT || image.shape[3] !== 8 * LATENT)
        throw new Error(`got ${image.shape.join('x')}`);
      v.image ??= image;
    }
  }
} finally {
  for (const v of loaded) v.lease.release();
}
const ideal = (tflop * 1000) / gflopsBefore;
const base = loaded[0]!;
for (const v of loaded) {
  const vsBase =
    v === base
      ? ''
      : `, ${(median(v.times) / median(base.times)).toFixed(2)}x the time of ${base.variant}, max |diff| ` +
        `${relativeDifference(base.image!, v.image!).toExponential(1)} of its range`;
  console.log(
    `${v.variant}: ${v.setup}, decode 64x64 -> 512x512: median ${median(v.times).toFixed(2)} s ` +
      `[${v.times.map((t) => t.toFixed(2)).join(', ')}] = ${(median(v.times) / ideal).toFixed(2)}x ideal${vsBase}`,
  );
}
console.log(`peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB (all variants loaded)`);
const gflopsAfter = (await measureMatmulGflops({ n: 1024, threads })).gflops;
console.log(`matmul after: ${gflopsAfter.toFixed(0)} GFLOP/s (a big change means the machine was busy)`);
console.log(`load average after: ${load()}`);
clearInterval(sampler);
await env.dispose();
await rm(temp, { recursive: true, force: true });
