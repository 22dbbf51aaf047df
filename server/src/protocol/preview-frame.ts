/**
 * @module
 * Binary preview frames in ComfyUI's layout: big-endian u32 event type (1 = preview image), big-endian
 * u32 image format (1 JPEG, 2 PNG, 3 WEBP), then the encoded image bytes.
 */
import type { PreviewImage } from '@momaflow/engine/protocol';

/** The binary event types (ComfyUI's `BinaryEventTypes`). */
export const BINARY_EVENT = { PREVIEW_IMAGE: 1 } as const;

/** Image format codes of preview frames (ComfyUI uses 1 and 2; 3 is WEBP). */
export const PREVIEW_FORMAT_CODES = { JPEG: 1, PNG: 2, WEBP: 3 } as const satisfies Record<
  PreviewImage['format'],
  number
>;

const HEADER_BYTES = 8;

/**
 * @example
 * socket.send(encodePreviewFrame({ format: 'JPEG', bytes }));
 */
export function encodePreviewFrame(preview: PreviewImage): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + preview.bytes.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, BINARY_EVENT.PREVIEW_IMAGE, false);
  view.setUint32(4, PREVIEW_FORMAT_CODES[preview.format], false);
  frame.set(preview.bytes, HEADER_BYTES);
  return frame;
}

/** Reads a preview frame back (clients and tests); undefined for anything else. */
export function decodePreviewFrame(frame: Uint8Array): PreviewImage | undefined {
  if (frame.byteLength < HEADER_BYTES) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, false) !== BINARY_EVENT.PREVIEW_IMAGE) return undefined;
  const code = view.getUint32(4, false);
  const format = (Object.keys(PREVIEW_FORMAT_CODES) as PreviewImage['format'][]).find(
    (name) => PREVIEW_FORMAT_CODES[name] === code,
  );
  return format ? { format, bytes: frame.slice(HEADER_BYTES) } : undefined;
}
