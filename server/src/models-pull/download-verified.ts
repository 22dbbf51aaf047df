/**
 * @module
 * Downloads a file whole and checks it against a Subresource Integrity string (what npm's
 * `dist.integrity` is: `<algorithm>-<base64 digest>`, possibly several separated by spaces). Nothing
 * downloaded is used unless it matches.
 */
import { createHash, getHashes } from 'node:crypto';
import { EngineError } from '@momaflow/engine';
import { fetchOrFail } from './fetch-or-fail';

// Strongest first, as the SRI spec picks.
const ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha1'] as const;

/** The strongest (algorithm, digest) of an SRI string that Node can compute. */
function strongest(integrity: string): { algorithm: string; digest: string } {
  const entries = integrity
    .trim()
    .split(/\s+/)
    .map((part) => {
      const dash = part.indexOf('-');
      return { algorithm: part.slice(0, dash), digest: part.slice(dash + 1).split('?')[0] ?? '' };
    });
  for (const algorithm of ALGORITHMS) {
    const found = entries.find((e) => e.algorithm === algorithm && getHashes().includes(algorithm));
    if (found !== undefined) return found;
  }
  throw new EngineError(
    'integrity_unsupported',
    `integrity '${integrity}' names no hash this Node.js can check`,
  );
}

/**
 * The file's bytes, after its digest matched.
 * @throws EngineError `download_failed`, `integrity_mismatch`, `integrity_unsupported`.
 * @example
 * const tgz = await downloadVerified({ url: dist.tarball, integrity: dist.integrity, what: 'pkg@1.0.0' });
 */
export async function downloadVerified(o: {
  readonly url: string;
  readonly integrity: string;
  readonly what: string;
  readonly signal?: AbortSignal;
}): Promise<Uint8Array> {
  const { algorithm, digest } = strongest(o.integrity);
  const response = await fetchOrFail(o.url, o.what, o.signal);
  const hash = createHash(algorithm);
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body ?? []) {
      hash.update(chunk);
      chunks.push(chunk);
      length += chunk.byteLength;
    }
  } catch (err) {
    throw new EngineError(
      'download_failed',
      `the download of ${o.what} from ${o.url} broke off after ${length} bytes`,
      {
        url: o.url,
        cause: String(err),
      },
    );
  }
  const actual = hash.digest('base64');
  if (actual !== digest) {
    throw new EngineError(
      'integrity_mismatch',
      `${o.what} from ${o.url} does not match the registry's integrity (${algorithm} ${actual} instead of ${digest}); nothing was written`,
      { url: o.url },
    );
  }
  return Buffer.concat(chunks, length);
}
