import { describe, expect, it } from 'vitest';
import { BrownianTree, brownianNoiseSource } from './brownian-tree';

const SHAPE = [4, 4, 16, 16];
const tree = () => new BrownianTree({ seed: 7, shape: SHAPE, t0: 0.03, t1: 14.6 });
const mean = (d: ArrayLike<number>) => Array.from(d).reduce((a, b) => a + b, 0) / d.length;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0) / a.length;

describe(BrownianTree.name, () => {
  it('gives the same W(t) whatever was asked before, and another motion for another seed', () => {
    const a = tree();
    const first = a.value(3.3);
    a.value(0.5);
    a.value(12);
    expect(Array.from(tree().value(3.3).data)).toEqual(Array.from(first.data));
    expect(Array.from(a.value(3.3).data)).toEqual(Array.from(first.data));
    const other = new BrownianTree({ seed: 8, shape: SHAPE, t0: 0.03, t1: 14.6 }).value(3.3);
    expect(Array.from(other.data)).not.toEqual(Array.from(first.data));
  });

  it('has increments of variance |dt|, independent over disjoint intervals and correlated over nested ones', () => {
    const w = tree();
    const a = w.increment(14.6, 6); // variance 8.6
    const b = w.increment(6, 2); // variance 4, independent of a
    const c = w.increment(14.6, 10); // inside a: covariance 4.6
    expect(dot(a.data, a.data) / 8.6).toBeCloseTo(1, 1);
    expect(dot(b.data, b.data) / 4).toBeCloseTo(1, 1);
    expect(Math.abs(mean(a.data))).toBeLessThan(0.15);
    expect(Math.abs(dot(a.data, b.data)) / Math.sqrt(8.6 * 4)).toBeLessThan(0.06);
    expect(dot(a.data, c.data) / 4.6).toBeCloseTo(1, 1);
  });

  it('rejects queries outside its interval with invalid_interval', () => {
    expect(() => tree().value(20)).toThrow(expect.objectContaining({ code: 'invalid_interval' }));
  });
});

describe(brownianNoiseSource.name, () => {
  it('returns unit-variance noise (W(next) - W(level)) / sqrt|dt| over the run levels', () => {
    const levels = [14.6, 6, 2, 0.5, 0];
    const source = brownianNoiseSource({ seed: 3, levels });
    const n = source({ shape: SHAPE, stepIndex: 0, level: 14.6, nextLevel: 6 });
    expect(dot(n.data, n.data)).toBeCloseTo(1, 1);
    const w = new BrownianTree({ seed: 3, shape: SHAPE, t0: 0.5, t1: 14.6 });
    const expected = w.increment(14.6, 6).data.map((v) => v / Math.sqrt(8.6));
    n.data.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
  });
});
