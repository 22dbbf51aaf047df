import { describe, expect, it } from 'vitest';
import { ancestralStepF32, f32, lerpF32, logMidpointF32 } from './float32-scalar';

describe(ancestralStepF32.name, () => {
  it('splits sigma_next^2 into sigma_down^2 + sigma_up^2 with sigma_up = sigma_next sqrt(1 - (next/from)^2) at eta 1', () => {
    const { sigmaDown, sigmaUp } = ancestralStepF32(2, 1, 1);
    expect(sigmaUp).toBe(f32(Math.sqrt(3) / 2));
    expect(sigmaDown).toBeCloseTo(0.5, 6);
    expect(sigmaDown ** 2 + sigmaUp ** 2).toBeCloseTo(1, 6);
  });

  it('is a plain Euler step at eta 0 and caps sigma_up at sigma_next', () => {
    expect(ancestralStepF32(2, 1, 0)).toEqual({ sigmaDown: 1, sigmaUp: 0 });
    expect(ancestralStepF32(2, 1, 10).sigmaUp).toBe(1);
  });
});

describe(lerpF32.name, () => {
  it("takes torch's branch per weight, so weight 1 lands exactly on the end", () => {
    expect(lerpF32(0.1, 0.7, 1)).toBe(f32(0.7));
    expect(lerpF32(0.1, 0.7, 0)).toBe(f32(0.1));
    expect(lerpF32(1, 3, 0.5)).toBe(2);
  });
});

describe(logMidpointF32.name, () => {
  it('is the geometric mean, rounded to float32 as torch computes it', () => {
    expect(logMidpointF32(4, 1)).toBe(2);
    const [a, b] = [14.614640235900879, 5.948899269104004];
    expect(Math.abs(logMidpointF32(a, b) / Math.sqrt(a * b) - 1)).toBeLessThan(1e-6);
    expect(logMidpointF32(a, b)).toBe(f32(logMidpointF32(a, b)));
  });
});
