/**
 * @module
 * `GET /view`: serves a file from the output, input or temp folder by name and subfolder (confined to
 * the folder). `preview=webp;90[;512]` re-encodes it (format; quality; longest side, default 1024,
 * never enlarging), `channel=rgb|a` keeps the colour or only the alpha (ComfyUI's mask editor).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import sharp from 'sharp';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { mediaTypeOf } from '../files/media-types';
import { resolveExistingFile } from '../files/safe-path';
import { query } from '../validation';

/** The folders files are served from and uploaded to. */
export const FOLDER_TYPES = ['output', 'input', 'temp'] as const;
const DEFAULT_PREVIEW_SIDE = 1024;

/** ComfyUI's view parameters plus `preview`'s optional longest side. */
export const zViewQuery = z.object({
  filename: z.string().min(1).max(255),
  subfolder: z.string().max(1024).default(''),
  type: z.enum(FOLDER_TYPES).default('output'),
  preview: z
    .string()
    .regex(/^(webp|jpeg|png)(;\d{1,3})?(;\d{1,5})?$/, "preview is 'format[;quality[;max side]]'")
    .optional()
    .describe('Re-encode: webp|jpeg|png, quality 1-100, longest side in pixels.'),
  channel: z.enum(['rgba', 'rgb', 'a']).default('rgba'),
});

const SAFE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // A file in output/ may be anything a node wrote; never let it run script under our origin.
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cache-Control': 'no-cache',
};

function parsePreview(spec: string | undefined) {
  if (!spec) return undefined;
  const [format, quality, side] = spec.split(';') as ['webp' | 'jpeg' | 'png', string?, string?];
  return {
    format,
    quality: Math.min(100, Math.max(1, Number(quality ?? 90))),
    side: Math.max(1, Number(side ?? DEFAULT_PREVIEW_SIDE)),
  };
}

/**
 * @example
 * api.route('/', createViewRoute({ dirs, limits }));
 */
export function createViewRoute(deps: Pick<AppDeps, 'dirs' | 'limits'>): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/view', query(zViewQuery), async (c) => {
    const q = c.req.valid('query');
    const file = await resolveExistingFile(deps.dirs[q.type], q.subfolder, q.filename);
    const disposition = `inline; filename*=UTF-8''${encodeURIComponent(q.filename)}`;
    const preview = parsePreview(q.preview);
    if (!preview && q.channel === 'rgba') {
      const { size } = await stat(file);
      const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
      return c.body(body, 200, {
        ...SAFE_HEADERS,
        'Content-Type': mediaTypeOf(q.filename),
        'Content-Length': String(size),
        'Content-Disposition': disposition,
      });
    }
    let image = sharp(file, { failOn: 'error', limitInputPixels: deps.limits.maxImagePixels });
    if (q.channel === 'rgb') image = image.removeAlpha();
    if (q.channel === 'a') image = image.ensureAlpha().extractChannel('alpha');
    if (preview) {
      image = image.resize({
        width: preview.side,
        height: preview.side,
        fit: 'inside',
        withoutEnlargement: true,
      });
    }
    const format = preview?.format ?? 'png';
    const quality = preview?.quality ?? 90;
    image =
      format === 'webp' ? image.webp({ quality }) : format === 'jpeg' ? image.jpeg({ quality }) : image.png();
    let bytes: Buffer;
    try {
      bytes = await image.toBuffer();
    } catch (err) {
      throw new ApiError('invalid_image', `'${q.filename}' is not an image that can be previewed`, {
        details: { reason: err instanceof Error ? err.message : String(err) },
      });
    }
    return c.body(new Uint8Array(bytes), 200, {
      ...SAFE_HEADERS,
      'Content-Type': `image/${format}`,
      'Content-Disposition': disposition,
    });
  });
}
