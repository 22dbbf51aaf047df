/**
 * @module
 * Binary preview frames (ComfyUI's layout): big-endian u32 event type (1 = preview image), big-endian
 * u32 image format (1 JPEG, 2 PNG, 3 WEBP), then the encoded image.
 */

const MIME_BY_FORMAT = { 1: 'image/jpeg', 2: 'image/png', 3: 'image/webp' } as const satisfies Record<
  number,
  string
>;
const PREVIEW_IMAGE = 1;
const HEADER_BYTES = 8;

export interface PreviewFrame {
  readonly mime: (typeof MIME_BY_FORMAT)[keyof typeof MIME_BY_FORMAT];
  readonly bytes: Uint8Array;
}

/**
 * @example
 * const frame = decodePreviewFrame(new Uint8Array(event.data));
 * if (frame) img.src = URL.createObjectURL(new Blob([frame.bytes], { type: frame.mime }));
 */
export function decodePreviewFrame(frame: Uint8Array): PreviewFrame | undefined {
  if (frame.byteLength < HEADER_BYTES) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, false) !== PREVIEW_IMAGE) return undefined;
  const format = view.getUint32(4, false);
  if (!Object.hasOwn(MIME_BY_FORMAT, format)) return undefined;
  return { mime: MIME_BY_FORMAT[format as keyof typeof MIME_BY_FORMAT], bytes: frame.subarray(HEADER_BYTES) };
}
