import { describe, expect, it } from 'vitest';
import { convertLdmUnetKeys, LDM_UNET_PREFIX, SD15_UNET_CONFIG, unetLayout, unetWeightShapes } from '../unet';
import { ldmClipTextShapes } from './ldm-clip-shapes';
import { ldmUnetShapes } from './ldm-unet-shapes';
import { ldmVaeShapes } from './ldm-vae-shapes';
import { SD15_SHAPE } from './tiny-sd15-config';

const params = (shapes: ReadonlyMap<string, readonly number[]>) =>
  [...shapes.values()].reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);

describe('LDM shape tables at SD1.5 size', () => {
  it("match v1-5-pruned-emaonly's tensor and parameter counts", () => {
    const unet = ldmUnetShapes(SD15_SHAPE.unet);
    const vae = ldmVaeShapes(SD15_SHAPE.vae);
    const clip = ldmClipTextShapes(SD15_SHAPE.clip);
    expect([unet.size, vae.size, clip.size + 1]).toEqual([686, 248, 197]);
    expect([params(unet), params(vae), params(clip)]).toEqual([859_520_964, 83_653_863, 123_060_480]);
  });

  it('convert to exactly the UNet weights, with their shapes, that the graph builder takes for SD1.5', () => {
    const ldm = ldmUnetShapes(SD15_SHAPE.unet);
    const { mapping } = convertLdmUnetKeys(
      [...ldm.keys()].map((k) => k.slice(LDM_UNET_PREFIX.length)),
      SD15_SHAPE.unet.num_res_blocks,
    );
    const converted = [...ldm].map(([key, dims]) => [mapping.get(key.slice(LDM_UNET_PREFIX.length)), dims]);
    const expected = [...unetWeightShapes(unetLayout(SD15_UNET_CONFIG))];
    const byKey = (a: readonly unknown[], b: readonly unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(converted.sort(byKey)).toEqual(expected.sort(byKey));
  });
});
