/**
 * @module
 * Binary preview frames, read with the server's own decoder (`@momaflow/server/protocol`: ComfyUI's
 * layout of event type, image format, bytes) and given the MIME type a `Blob` needs.
 */
import type { PreviewImage } from '@momaflow/engine/protocol';
import { decodePreviewFrame as decodeFrame } from '@momaflow/server/protocol';

const MIME_BY_FORMAT = {
  JPEG: 'image/jpeg',
  PNG: 'image/png',
  WEBP: 'image/webp',
} as const satisfies Record<PreviewImage['format'], string>;

export interface PreviewFrame {
  readonly mime: (typeof MIME_BY_FORMAT)[PreviewImage['format']];
  readonly bytes: Uint8Array;
}

/**
 * @example
 * const frame = decodePreviewFrame(new Uint8Array(event.data));
 * if (frame) img.src = URL.createObjectURL(new Blob([frame.bytes], { type: frame.mime }));
 */
export function decodePreviewFrame(frame: Uint8Array): PreviewFrame | undefined {
  const preview = decodeFrame(frame);
  return preview && { mime: MIME_BY_FORMAT[preview.format], bytes: preview.bytes };
}
