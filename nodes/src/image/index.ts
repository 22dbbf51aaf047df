/**
 * @module
 * Image nodes (load, save, preview, scale, mask conversions) and the codec helpers other packs use:
 * decoding files to IMAGE/MASK, encoding PNGs, PNG text chunks (embedded prompt and workflow) and
 * float32 resampling.
 */
export { nchwToNhwc, nhwcToNchw } from './channel-layout';
export type { CommonUpscaleOptions, CropMode } from './common-upscale';
export { CROP_MODES, centerCrop, commonUpscale, roundHalfEven } from './common-upscale';
export { hasErrnoCode, resolveExistingInside } from './confined-path';
export type { DecodedImage, DecodeOptions } from './decode-image';
export { decodeImage, decodeImageFile } from './decode-image';
export type { EncodePngOptions } from './encode-png';
export { encodePng } from './encode-png';
export type { BlendMode } from './image-blend';
export { BLEND_MODES, blendImages, ImageBlend } from './image-blend';
export { EmptyImage, ImageBatch, ImageCrop, ImagePadForOutpaint, padForOutpaint } from './image-edit-nodes';
export { IMAGE_NODES } from './image-nodes';
export { ImageScale, scaledSize } from './image-scale';
export type { Image8 } from './image8';
export { toImage8, toRgb8 } from './image8';
export { IMAGE_EXTENSIONS, listInputImages } from './list-input-images';
export { LoadImage } from './load-image';
export { LoadImageMask } from './load-image-mask';
export { ImageToMask, InvertMask, MaskToImage } from './mask-nodes';
export { mirrorHorizontally } from './mirror';
export { PIL_BICUBIC, pilResize } from './pil-resize';
export { insertPngText, isPng, readPngText } from './png-text-chunks';
export type { ResampleMethod, ResampleOptions } from './resample';
export { RESAMPLE_METHODS, resample } from './resample';
export { PreviewImage, SaveImage } from './save-image';
export { SaveImageWebsocket } from './save-image-websocket';
export type { SaveImagesOptions } from './save-images';
export { saveImages } from './save-images';
export { requireImage, requireMask } from './tensor-checks';
