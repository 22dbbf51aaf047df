/** @module Content types for served files, by extension; anything unknown is served as bytes. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.wav': 'audio/wav',
};

/**
 * @example
 * mediaTypeOf('a.PNG') // 'image/png'
 */
export function mediaTypeOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return (dot >= 0 && MEDIA_TYPES[fileName.slice(dot).toLowerCase()]) || 'application/octet-stream';
}
