/**
 * @module
 * `POST /upload/image` and `POST /upload/mask` (multipart, ComfyUI's fields). The bytes must decode
 * as a PNG, JPEG or WEBP image; names and subfolders are confined to the chosen folder. A mask
 * upload takes the alpha channel of `image` and applies it to the image named by `original_ref`.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import sharp from 'sharp';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv, Limits } from '../app-env';
import { checkImage } from '../files/image-check';
import { checkName, ensureFolder, resolveExistingFile } from '../files/safe-path';
import { saveUpload, withImageExtension } from '../files/save-upload';
import { FOLDER_TYPES } from './view-route';

const zFile = z.custom<File>(
  (value) => value instanceof Blob && typeof Reflect.get(value, 'name') === 'string',
  {
    message: 'expected a file',
  },
);
const zFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** ComfyUI's upload fields. */
export const zUploadForm = z.object({
  image: zFile.describe('The image file (PNG, JPEG or WEBP).'),
  overwrite: zFlag.default(false).describe('Replace a file of the same name instead of adding " (1)".'),
  subfolder: z.string().max(1024).default(''),
  type: z.enum(FOLDER_TYPES).default('input'),
});

const zFileRef = z.object({
  filename: z.string().min(1).max(255),
  subfolder: z.string().max(1024).default(''),
  type: z.enum(FOLDER_TYPES).default('input'),
});
/** ComfyUI's mask upload fields: the upload fields plus `original_ref`. */
export const zMaskForm = zUploadForm.extend({
  original_ref: z
    .string()
    .max(4096)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'original_ref is not JSON', input: text });
        return z.NEVER;
      }
    })
    .pipe(zFileRef)
    .describe('JSON { filename, subfolder, type } of the image the mask belongs to.'),
});

async function readForm<T extends z.ZodType<object>>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'multipart/form-data') {
    throw new ApiError('unsupported_media_type', `expected multipart/form-data, got '${mediaType}'`);
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch (err) {
    throw new ApiError('invalid_multipart', 'the multipart body could not be parsed', {
      details: { reason: err instanceof Error ? err.message : String(err) },
    });
  }
  const fields = Object.fromEntries([...form.keys()].map((key) => [key, form.get(key)]));
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApiError(
      'invalid_request',
      `invalid upload: ${first?.path.join('.') ?? ''}: ${first?.message ?? ''}`,
      {
        details: {
          issues: parsed.error.issues
            .slice(0, 20)
            .map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      },
    );
  }
  return parsed.data;
}

async function applyMask(original: string, mask: Uint8Array, limits: Limits): Promise<Uint8Array> {
  const options = { failOn: 'error', limitInputPixels: limits.maxImagePixels } as const;
  const base = sharp(original, options);
  const { width, height } = await base.metadata();
  if (!width || !height) throw new ApiError('invalid_image', 'the original image has no size');
  const alpha = await sharp(mask, options)
    .ensureAlpha()
    .extractChannel('alpha')
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const out = await base
    .removeAlpha()
    .joinChannel(alpha, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
  return new Uint8Array(out);
}

/**
 * @example
 * api.route('/', createUploadRoutes({ dirs, limits }));
 */
export function createUploadRoutes(deps: Pick<AppDeps, 'dirs' | 'limits'>): Hono<AppEnv> {
  const { dirs, limits } = deps;
  const store = async (form: z.output<typeof zUploadForm>, bytes: Uint8Array, name: string) => {
    const folder = await ensureFolder(dirs[form.type], form.subfolder);
    const saved = await saveUpload({ folder, name, bytes, overwrite: form.overwrite });
    return { name: saved, subfolder: form.subfolder, type: form.type };
  };
  return new Hono<AppEnv>()
    .post('/upload/image', async (c) => {
      const form = await readForm(c, zUploadForm);
      const name = checkName(form.image.name);
      const bytes = new Uint8Array(await form.image.arrayBuffer());
      const { format } = await checkImage(bytes, { maxPixels: limits.maxImagePixels });
      return c.json(await store(form, bytes, withImageExtension(name, format)));
    })
    .post('/upload/mask', async (c) => {
      const form = await readForm(c, zMaskForm);
      const name = checkName(form.image.name);
      const ref = form.original_ref;
      const original = await resolveExistingFile(dirs[ref.type], ref.subfolder, checkName(ref.filename));
      const mask = new Uint8Array(await form.image.arrayBuffer());
      await checkImage(mask, { maxPixels: limits.maxImagePixels });
      let masked: Uint8Array;
      try {
        masked = await applyMask(original, mask, limits);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError('invalid_image', `could not apply the mask to '${ref.filename}'`, {
          details: { reason: err instanceof Error ? err.message : String(err) },
        });
      }
      return c.json(await store(form, masked, withImageExtension(name, 'png')));
    });
}
