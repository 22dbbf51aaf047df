/**
 * @module
 * Image nodes (load, save, preview, scale, mask conversions) and the codec helpers other packs use:
 * decoding files to IMAGE/MASK, encoding PNGs, PNG text chunks (embedded prompt and workflow) and
 * float32 resampling.
 */
export type { CommonUpscaleOptions, CropMode } from './common-upscale';
export { CROP_MODES, commonUpscale, roundHalfEven } from './common-upscale';
export { resolveExistingInside } from './confined-path';
export type { DecodedImage, DecodeOptions } from './decode-image';
export { decodeImage, decodeImageFile } from './decode-image';
export type { EncodePngOptions } from './encode-png';
export { encodePng } from './encode-png';
export { IMAGE_NODES } from './image-nodes';
export { ImageScale, scaledSize } from './image-scale';
export { IMAGE_EXTENSIONS, listInputImages } from './list-input-images';
export { LoadImage } from './load-image';
export { ImageToMask, InvertMask, MaskToImage } from './mask-nodes';
export { insertPngText, isPng, readPngText } from './png-text-chunks';
export type { ResampleMethod, ResampleOptions } from './resample';
export { RESAMPLE_METHODS, resample } from './resample';
export { PreviewImage, SaveImage } from './save-image';
export { SaveImageWebsocket } from './save-image-websocket';
export type { SaveImagesOptions } from './save-images';
export { saveImages } from './save-images';
