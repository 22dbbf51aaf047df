import { describe, expect, it } from 'vitest';
import { CLIP_PROCESSOR_JSON_SCHEMA, clipPreprocess, clipProcessorConfig } from './clip-image-processor';
import { cropSha256, preprocessingPattern } from './test-pattern';

describe(clipPreprocess.name, () => {
  it('matches transformers CLIPImageProcessor (PIL) on a non-square image: shortest edge 64, crop 56', () => {
    const config = clipProcessorConfig(
      CLIP_PROCESSOR_JSON_SCHEMA.parse({ size: { shortest_edge: 64 }, crop_size: 56 }),
      64,
    );
    const pixels = clipPreprocess(preprocessingPattern(), config);
    expect(pixels.shape).toEqual([1, 3, 56, 56]);
    // Reference: Pillow 9.4 resize to 94x64 (BICUBIC), crop at (19, 4), numpy float32 normalize.
    expect(cropSha256(pixels)).toBe('6c9cb071816499e7b19b935c8279221d848b045143a0287b89c3902ea2e35ca3');
    expect([pixels.data[0], pixels.data[3136 + 28 * 56 + 30], pixels.data[2 * 3136 + 55 * 56 + 55]]).toEqual([
      0.8354542255401611, 1.0693633556365967, 0.8092109560966492,
    ]);
    expect(pixels.data.reduce((a, v) => a + v, 0)).toBeCloseTo(1971.399, 2);
  });

  it('takes OpenAI CLIP defaults at the tower size without a preprocessor_config.json', () => {
    expect(clipProcessorConfig(undefined, 336)).toMatchObject({
      shortestEdge: 336,
      cropHeight: 336,
      cropWidth: 336,
    });
  });

  it.each([
    ['a PIL filter other than bicubic', { resample: 2 }],
    ['a fixed resize', { size: { height: 336, width: 336 } }],
  ])('refuses %s', (_what, json) => {
    const parsed = CLIP_PROCESSOR_JSON_SCHEMA.safeParse(json);
    const refused =
      !parsed.success ||
      (() => {
        try {
          clipProcessorConfig(parsed.data, 336);
          return false;
        } catch {
          return true;
        }
      })();
    expect(refused).toBe(true);
  });
});
