/**
 * @module
 * ComfyUI's SaveImageWebsocket (`custom_nodes/websocket_image_save.py`): sends each image of the batch
 * to the client that queued the prompt as a binary WebSocket frame, in the layout of preview frames
 * (u32 BE event 1, u32 BE format 2 = PNG, then the PNG), while the node runs, and writes no file. The
 * frames carry no metadata. It re-runs on every prompt, as ComfyUI's does, since its result is the
 * frames it sends, which a cache hit would not send again.
 */
import { defineNode, Input } from '@momaflow/engine';
import { encodePng } from './encode-png';
import { requireImage } from './tensor-checks';

/** ComfyUI's SaveImageWebsocket: full-size PNG frames on the WebSocket, nothing on disk. */
export const SaveImageWebsocket = defineNode({
  type: 'SaveImageWebsocket',
  displayName: 'Save Image (WebSocket)',
  category: 'api/image',
  description:
    'Sends the images to the WebSocket client that queued the prompt as binary PNG frames (ComfyUI’s layout: 8-byte header, then the PNG), without writing files or metadata. Headless runs have no client to send them to.',
  output: true,
  notIdempotent: true,
  inputs: { images: Input.link('IMAGE', { tooltip: 'The images to send, one frame each.' }) },
  outputs: [],
  run: async (ctx, { images }) => {
    const batch = requireImage(images, "SaveImageWebsocket input 'images'");
    const count = batch.shape[0] ?? 0;
    for (let index = 0; index < count; index++) {
      ctx.signal.throwIfAborted();
      // Compression level 1, as ComfyUI's preview encoder: frames go out while the prompt runs.
      const bytes = await encodePng(batch, { index, compressionLevel: 1 });
      ctx.progress(index, count, { format: 'PNG', bytes, essential: true });
    }
    return { outputs: [] };
  },
});
