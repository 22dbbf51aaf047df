import { describe, expect, it } from 'vitest';
import { clipProcessorConfig } from '../clip-vision';
import { cropSha256, preprocessingPattern } from '../clip-vision/test-pattern';
import { expandToSquare, llavaPixelValues } from './llava-image';

describe(expandToSquare.name, () => {
  it('centres the image on a square of the background colour, offset rounded down', () => {
    const square = expandToSquare(preprocessingPattern(), [122, 116, 104]);
    expect([square.width, square.height]).toEqual([43, 43]);
    const at = (x: number, y: number) => [...square.data.subarray((y * 43 + x) * 3, (y * 43 + x) * 3 + 3)];
    // (43 - 29) // 2 = 7 rows of background on top; row 7 is the pattern's first row.
    expect(at(0, 0)).toEqual([122, 116, 104]);
    expect(at(0, 7)).toEqual([0, 71, 142]);
    expect(at(0, 36)).toEqual([122, 116, 104]);
  });
});

describe(llavaPixelValues.name, () => {
  it("matches LLaVA's process_images (expand2square with the CLIP mean, then CLIPImageProcessor at 56 px)", () => {
    const pixels = llavaPixelValues(preprocessingPattern(), {
      processor: clipProcessorConfig(undefined, 56),
      pad: true,
    });
    expect(pixels.shape).toEqual([1, 3, 56, 56]);
    // Reference: Pillow 9.4 + numpy as LLaVA and transformers compute it.
    expect(cropSha256(pixels)).toBe('dc5dbbf043c07c095d5bf350eef1fa4eea9349ea27a0c486383a852821cab235');
    expect([pixels.data[0], pixels.data[3136 + 28 * 56 + 30], pixels.data[2 * 3136 + 55 * 56 + 55]]).toEqual([
      -0.011254520155489445, 1.909798264503479, -0.0013328947825357318,
    ]);
  });
});
