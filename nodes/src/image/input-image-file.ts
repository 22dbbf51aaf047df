/**
 * @module
 * What the nodes that read a file from the input folder share (LoadImage, LoadImageMask): the
 * confined path, a content hash as cache fingerprint (editing the file re-runs the node), and a
 * validation that names the missing file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { errorMessage, type NodeEnv } from '@momaflow/engine';
import { resolveExistingInside } from './confined-path';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `fingerprint` and `validate` hooks for an `image` combo naming a file in the input folder.
 * @example
 * const { fingerprint, validate } = inputImageHooks("LoadImage input 'image'");
 */
export function inputImageHooks(label: string) {
  return {
    fingerprint: async ({ values, env }: { values: { image?: string }; env: NodeEnv }): Promise<string> => {
      // A linked file name is not known before the run; the link's own signature covers it then.
      if (values.image === undefined) return '';
      return sha256File(await resolveExistingInside(env.dirs.input, values.image, label));
    },
    validate: async ({ values, env }: { values: { image?: string }; env: NodeEnv }) => {
      if (values.image === undefined) return [];
      try {
        await resolveExistingInside(env.dirs.input, values.image, label);
        return [];
      } catch (err) {
        return [{ input: 'image', message: errorMessage(err) }];
      }
    },
  };
}
