/**
 * @module
 * IPAdapterEncode: images to an IP-Adapter's image-prompt tokens (IMAGE_PROMPT), as IP-Adapter's
 * `get_image_embeds` makes them: CLIPImageProcessor on each image (RGB), then the cached image graph
 * (`buildIpAdapterImageGraph`), which gives the guided and unguided tokens of its kind in one run.
 */
import { defineNode, fromOrtTensor, Input, Tensor, toOrtTensor } from '@momaflow/engine';
import { withModelSession, writtenModelGraph } from '../diffusion';
import { requireImage, toImage8, toRgb8 } from '../image';
import { clipPreprocess } from '../models/clip-vision';
import { buildIpAdapterImageGraph, IP_ADAPTER_IMAGE_IO } from '../models/ip-adapter';

const NODE = 'IPAdapterEncode';

/** IP-Adapter image-prompt tokens of images. */
export const IPAdapterEncode = defineNode({
  type: NODE,
  displayName: 'IP-Adapter Encode',
  category: 'conditioning/ipadapter',
  description:
    "Turns reference images into an IP-Adapter's image-prompt tokens (one entry per image; the unguided tokens from zero image embeddings for ip-adapter_sd15, from a blank image for the plus adapters) for Image Prompt Attention.",
  inputs: {
    ip_adapter: Input.link('IP_ADAPTER', { tooltip: 'From Load IP-Adapter.' }),
    image: Input.link('IMAGE', { tooltip: 'The reference image(s).' }),
  },
  outputs: [{ type: 'IMAGE_PROMPT', name: 'IMAGE_PROMPT', tooltip: 'The image-prompt tokens.' }],
  run: async (ctx, { ip_adapter, image }) => {
    const images = requireImage(image, `${NODE} input 'image'`);
    const n = images.shape[0] ?? 0;
    const rows = Array.from({ length: n }, (_, i) =>
      clipPreprocess(toRgb8(toImage8(images, i)), ip_adapter.tower.processor),
    );
    const [, c = 0, h = 0, w = 0] = rows[0]!.shape;
    const pixels = new Float32Array(n * c * h * w);
    for (const [i, r] of rows.entries()) pixels.set(r.data, i * r.size);
    const source = writtenModelGraph(ctx.env, `ip-adapter-image:${ip_adapter.key}`, () =>
      buildIpAdapterImageGraph(ip_adapter.file, ip_adapter.tower),
    );
    const io = IP_ADAPTER_IMAGE_IO;
    const prompt = await withModelSession(ctx.env, source, async (session) => {
      const out = await session.run({
        [io.pixelValues]: toOrtTensor(new Tensor('float32', [n, c, h, w], pixels)),
      });
      return {
        cond: fromOrtTensor(out[io.cond]!, 'float32'),
        uncond: fromOrtTensor(out[io.uncond]!, 'float32'),
      };
    });
    return [prompt];
  },
});
