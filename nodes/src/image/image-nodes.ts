/**
 * @module
 * The image node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { ImageBlend } from './image-blend';
import { EmptyImage, ImageBatch, ImageCrop, ImagePadForOutpaint } from './image-edit-nodes';
import { ImageScale } from './image-scale';
import { LoadImage } from './load-image';
import { LoadImageMask } from './load-image-mask';
import { ImageToMask, InvertMask, MaskToImage } from './mask-nodes';
import { PreviewImage, SaveImage } from './save-image';
import { SaveImageWebsocket } from './save-image-websocket';

/**
 * Every node of the pack: LoadImage, SaveImage, PreviewImage, SaveImageWebsocket, ImageScale,
 * ImageToMask, MaskToImage, InvertMask, LoadImageMask, EmptyImage, ImageCrop, ImagePadForOutpaint,
 * ImageBlend, ImageBatch.
 * @example
 * const registry = createNodeRegistry(IMAGE_NODES);
 */
export const IMAGE_NODES: readonly AnyNodeDefinition[] = [
  LoadImage,
  SaveImage,
  PreviewImage,
  SaveImageWebsocket,
  ImageScale,
  ImageToMask,
  MaskToImage,
  InvertMask,
  LoadImageMask,
  EmptyImage,
  ImageCrop,
  ImagePadForOutpaint,
  ImageBlend,
  ImageBatch,
];
