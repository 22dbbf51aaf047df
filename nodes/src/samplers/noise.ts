/**
 * @module
 * Seeded Gaussian noise that reproduces `torch.randn(shape, generator=torch.manual_seed(seed))` on the
 * CPU bit for bit, so a seed gives the same latent here as in ComfyUI (`comfy/sample.py`
 * `prepare_noise`) or diffusers on any machine. torch's algorithm (pytorch
 * `aten/src/ATen/native/cpu/DistributionTemplates.h` `normal_kernel`, `core/DistributionsHelper.h`,
 * `core/TransformationHelper.h`, `CPUGeneratorImpl.cpp`):
 * - one MT19937 stream seeded with the low 32 bits of the seed (mt19937.ts);
 * - float32 tensors of >= 16 elements (every latent): fill all elements with uniforms
 *   u = (next32 & 0xffffff) / 2^24, then Box-Muller on blocks of 16, pairing element j with j + 8
 *   (`normal_fill_16`); when the size is not a multiple of 16, 16 fresh uniforms replace the last 16
 *   elements and that block is transformed again. The block transform is the AVX2 kernel
 *   (`normal_fill_16_AVX2`, avx_mathfun.ts) that x86-64 builds run;
 * - smaller tensors: one double-precision Box-Muller pair per two elements from 53-bit uniforms of two
 *   draws each, the second value cached on the generator (`normal_distribution<double>`).
 * torch on CPUs without AVX2 (e.g. aarch64) evaluates the same formula with libm's logf/cosf/sinf and can
 * differ from these values in the last bit or two.
 */
import { EngineError, shapeSize, Tensor } from '@momaflow/engine';
import { log256, sincos256 } from './avx-mathfun';
import { Mt19937 } from './mt19937';
import type { NoiseSource } from './sample';

/** A torch seed: any integer; like torch, only its low 32 bits seed the Mersenne Twister. */
export type Seed = number | bigint;

const f = Math.fround;
const TWO_PI_F32 = f(2 * Math.PI);
const UNIFORM_24 = 2 ** -24;
const UNIFORM_53 = 2 ** -53;
const BLOCK = 16;

function seedLow32(seed: Seed): number {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new EngineError('invalid_seed', `'seed' must be a safe integer or a bigint, got ${seed}`, { seed });
  }
  // torch takes the seed as uint64 (negative Python ints wrap) and `mt19937` keeps its low 32 bits.
  return Number(BigInt.asUintN(32, BigInt(seed)));
}

/** Box-Muller on one block of 16 uniforms in place: `normal_fill_16_AVX2` with mean 0, std 1. */
function normalFill16(data: Float32Array, offset: number): void {
  for (let j = 0; j < BLOCK / 2; j++) {
    const u1 = f(1 - data[offset + j]!); // [0, 1) -> (0, 1] for the log
    const u2 = data[offset + j + BLOCK / 2]!;
    const radius = f(Math.sqrt(f(-2 * log256(u1))));
    const [sin, cos] = sincos256(f(TWO_PI_F32 * u2));
    // `+ 0` is the kernel's final fmadd(n, std = 1, mean = 0), which turns -0 into +0.
    data[offset + j] = f(radius * cos) + 0;
    data[offset + j + BLOCK / 2] = f(radius * sin) + 0;
  }
}

/**
 * A torch CPU generator (`torch.Generator()` after `manual_seed(seed)`). Stateful by nature: every draw
 * advances it, so create one per run and never share it between concurrent runs.
 * @example
 * const g = new TorchCpuGenerator(42);
 * g.randn([20]).data[0]; // 1.9269153 = torch.manual_seed(42); torch.randn(20)[0]
 */
export class TorchCpuGenerator {
  /** The seed as given. */
  readonly seed: Seed;
  readonly #engine: Mt19937;
  #cachedNormal: number | null = null;

  constructor(seed: Seed) {
    this.seed = seed;
    this.#engine = new Mt19937(seedLow32(seed));
  }

  /** Discards `count` 32-bit draws: what other torch calls on the same generator consumed. */
  skip(count: number): void {
    this.#engine.skip(count);
  }

  /** `torch.randn(shape, generator=this)` in float32. */
  randn(shape: readonly number[]): Tensor<'float32'> {
    const n = shapeSize(shape);
    const data =
      n >= BLOCK ? this.#normalFill(n) : Float32Array.from({ length: n }, () => this.#normalDouble());
    return new Tensor('float32', shape, data);
  }

  #uniform24(): number {
    return (this.#engine.nextUint32() & 0xffffff) * UNIFORM_24;
  }

  /** `uniform_real_distribution<double>` on `random64()` = (first draw << 32 | second draw), 53 bits kept. */
  #uniform53(): number {
    const hi = this.#engine.nextUint32() & 0x1fffff;
    const lo = this.#engine.nextUint32();
    return (hi * 2 ** 32 + lo) * UNIFORM_53;
  }

  #normalFill(n: number): Float32Array {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = this.#uniform24();
    for (let i = 0; i + BLOCK <= n; i += BLOCK) normalFill16(data, i);
    if (n % BLOCK !== 0) {
      const tail = n - BLOCK;
      for (let i = 0; i < BLOCK; i++) data[tail + i] = this.#uniform24();
      normalFill16(data, tail);
    }
    return data;
  }

  #normalDouble(): number {
    if (this.#cachedNormal !== null) {
      const cached = this.#cachedNormal;
      this.#cachedNormal = null;
      return cached;
    }
    const u1 = this.#uniform53();
    const u2 = this.#uniform53();
    const radius = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.#cachedNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }
}

/** Options of `torchRandn`. */
export interface TorchRandnOptions {
  readonly seed: Seed;
  readonly shape: readonly number[];
}

/**
 * `torch.randn(shape, generator=torch.manual_seed(seed))`: the initial noise ComfyUI's KSampler draws
 * for a latent batch of this shape.
 * @example
 * torchRandn({ seed: 0, shape: [1, 4, 64, 64] });
 */
export function torchRandn(options: TorchRandnOptions): Tensor<'float32'> {
  return new TorchCpuGenerator(options.seed).randn(options.shape);
}

/**
 * A `NoiseSource` for ancestral samplers that draws `randn` of the requested shape from `generator`.
 * ComfyUI's CPU path (`k_diffusion/sampling.py` `default_noise_sampler`) uses a fresh generator seeded
 * with the KSampler seed, so its first step noise equals the initial noise: pass
 * `new TorchCpuGenerator(seed)` to match it.
 * @example
 * const noiseSource = generatorNoiseSource(new TorchCpuGenerator(seed));
 */
export function generatorNoiseSource(generator: TorchCpuGenerator): NoiseSource {
  return (request) => generator.randn(request.shape);
}
