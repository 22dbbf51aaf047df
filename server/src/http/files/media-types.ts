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
 * The web app's own file types. Kept apart from `MEDIA_TYPES`: a node may write an `.html` or `.js`
 * file into output/, and `/view` must keep serving those as bytes, never as a page or a script.
 */
const WEB_APP_MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot >= 0 ? fileName.slice(dot).toLowerCase() : '';
}

/**
 * @example
 * mediaTypeOf('a.PNG') // 'image/png'
 */
export function mediaTypeOf(fileName: string): string {
  return MEDIA_TYPES[extensionOf(fileName)] ?? 'application/octet-stream';
}

/**
 * The content type of a file of the built editor: scripts, styles and fonts besides the types above.
 * @example
 * webAppMediaTypeOf('index-3f2a.js') // 'text/javascript; charset=utf-8'
 */
export function webAppMediaTypeOf(fileName: string): string {
  return WEB_APP_MEDIA_TYPES[extensionOf(fileName)] ?? mediaTypeOf(fileName);
}
