/**
 * @module
 * MT19937, the 32-bit Mersenne Twister (Matsumoto & Nishimura 1998) that torch's CPU generator runs
 * (`aten/src/ATen/core/MT19937RNGEngine.h`): seeded with `init_genrand` from the low 32 bits of the
 * seed, tempered output identical to `std::mt19937`.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * A Mersenne Twister stream. Mutable by nature: each `nextUint32` advances it.
 * @example
 * new Mt19937(5489).nextUint32(); // 3499211612, the first output of a default-seeded std::mt19937
 */
export class Mt19937 {
  readonly #state = new Uint32Array(N);
  #index = N;

  /** `seed` must be an integer in [0, 2^32). */
  constructor(seed: number) {
    const s = this.#state;
    s[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = s[i - 1]!;
      s[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
  }

  /** The next tempered 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.#index >= N) this.#twist();
    let y = this.#state[this.#index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Discards `count` outputs. */
  skip(count: number): void {
    for (let i = 0; i < count; i++) this.nextUint32();
  }

  #twist(): void {
    const s = this.#state;
    for (let k = 0; k < N; k++) {
      const y = (s[k]! & UPPER_MASK) | (s[(k + 1) % N]! & LOWER_MASK);
      s[k] = s[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.#index = 0;
  }
}
