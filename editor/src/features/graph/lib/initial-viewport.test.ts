import { describe, expect, it } from 'vitest';
import { docOf } from '../../../testing/builders';
import { initialViewport } from './initial-viewport';

const LIMITS = { minZoom: 0.05, maxZoom: 1, padding: 0.1 };

describe(initialViewport.name, () => {
  it('centres the graph and zooms to fit, within the limits', () => {
    const view = initialViewport(docOf().nodes, { width: 1000, height: 1000 }, LIMITS);
    // The graph spans x 0..880 and y 0..420 with typical sizes: width decides, 800 / 880.
    expect(view.zoom).toBeCloseTo(800 / 880);
    expect(view.x).toBeCloseTo(100);
    expect(view.y).toBeCloseTo((1000 - 420 * view.zoom) / 2);
  });

  it('never zooms in past the maximum, nor out past the minimum', () => {
    const one = docOf().nodes.slice(0, 1);
    expect(initialViewport(one, { width: 4000, height: 4000 }, LIMITS).zoom).toBe(1);
    expect(initialViewport(docOf().nodes, { width: 10, height: 10 }, LIMITS).zoom).toBe(0.05);
    expect(initialViewport([], { width: 10, height: 10 }, LIMITS)).toEqual({ x: 0, y: 0, zoom: 1 });
  });
});
