import { describe, expect, it } from 'vitest';
import { Mt19937 } from './mt19937';

describe(Mt19937.name, () => {
  it('matches std::mt19937 with its default seed 5489', () => {
    const mt = new Mt19937(5489);
    expect([mt.nextUint32(), mt.nextUint32(), mt.nextUint32(), mt.nextUint32()]).toEqual([
      3499211612, 581869302, 3890346734, 3586334585,
    ]);
  });

  it('gives 4123659995 as the 10000th output, as the C++ standard requires of std::mt19937', () => {
    const mt = new Mt19937(5489);
    mt.skip(9999);
    expect(mt.nextUint32()).toBe(4123659995);
  });

  it('starts seed 0 at 2357136044 (torch.manual_seed(0); torch.rand(1) = 2357136044 % 2^24 / 2^24 = 0.4963)', () => {
    expect(new Mt19937(0).nextUint32()).toBe(2357136044);
  });

  it('differs between seeds and is reproducible', () => {
    const run = (seed: number): number[] => {
      const mt = new Mt19937(seed);
      return Array.from({ length: 8 }, () => mt.nextUint32());
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});
