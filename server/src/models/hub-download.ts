/**
 * @module
 * Downloads one hub file into a models folder the way huggingface_hub does: a HEAD request (redirects
 * not followed) gives the LFS sha256 (`X-Linked-Etag`) and size (`X-Linked-Size`); the body goes to
 * `<file>.part`, resuming a partial download with an HTTP Range request; the sha256 of the whole file
 * is checked before an atomic rename to its final name. A mismatch deletes the partial file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError, errorMessage } from '@momaflow/engine';
import { type HubFile, hubFileUrl } from './hub-file';

export interface HubAccess {
  /** e.g. `https://huggingface.co` (`HF_ENDPOINT`), or a mirror. */
  readonly endpoint: string;
  /** `HF_TOKEN`: sent as a bearer token when set. */
  readonly token: string | undefined;
  readonly fetch?: typeof fetch;
}

export interface DownloadProgress {
  readonly file: string;
  readonly received: number;
  readonly total: number;
  /** Bytes that were already on disk from an earlier, interrupted download. */
  readonly resumedFrom: number;
}

export interface DownloadRequest {
  readonly hub: HubFile;
  /** The final path of the file. */
  readonly dest: string;
  readonly access: HubAccess;
  readonly onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadResult {
  readonly dest: string;
  readonly bytes: number;
  /** The verified sha256, or undefined for a file the hub keeps outside LFS (size checked only). */
  readonly sha256: string | undefined;
  readonly status: 'downloaded' | 'resumed' | 'present';
}

interface RemoteFile {
  readonly size: number;
  readonly sha256: string | undefined;
}

const SHA256 = /^[0-9a-f]{64}$/;

function unreachable(endpoint: string, err: unknown): EngineError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause ? String(cause.code) : errorMessage(cause ?? err);
  return new EngineError(
    'hub_unreachable',
    `cannot reach ${endpoint} (${code}): check the network connection, or set HF_ENDPOINT to a hub mirror you can reach`,
  );
}

function httpError(status: number, what: string, hub: HubFile): EngineError {
  if (status === 401 || status === 403) {
    return new EngineError(
      'hub_unauthorized',
      `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'} for ${what}: the repository ${hub.repo} is gated or private; accept its terms on the hub and set HF_TOKEN to an access token`,
    );
  }
  if (status === 404)
    return new EngineError(
      'hub_not_found',
      `404: ${what} does not exist (check the repository, file name and revision)`,
    );
  return new EngineError('hub_http_error', `the hub answered ${status} for ${what}`);
}

async function remoteFile(
  url: string,
  hub: HubFile,
  access: HubAccess,
  headers: Record<string, string>,
): Promise<RemoteFile> {
  let res: Response;
  try {
    res = await (access.fetch ?? fetch)(url, {
      method: 'HEAD',
      redirect: 'manual',
      headers: { ...headers, 'accept-encoding': 'identity' },
    });
  } catch (err) {
    throw unreachable(access.endpoint, err);
  }
  const what = `${hub.repo}/${hub.file}@${hub.revision}`;
  if (res.status >= 400) throw httpError(res.status, what, hub);
  const etag = (res.headers.get('x-linked-etag') ?? '').replace(/^W\//, '').replaceAll('"', '');
  const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new EngineError(
      'hub_metadata_missing',
      `the hub sent no size for ${what} (X-Linked-Size or Content-Length)`,
    );
  }
  return { size, sha256: SHA256.test(etag) ? etag : undefined };
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function sizeOf(file: string): Promise<number | undefined> {
  return (await stat(file).catch(() => undefined))?.size;
}

async function verified(file: string, remote: RemoteFile): Promise<boolean> {
  if ((await sizeOf(file)) !== remote.size) return false;
  if (!remote.sha256) return true;
  const hash = createHash('sha256');
  await hashFile(file, hash);
  return hash.digest('hex') === remote.sha256;
}

/**
 * @example
 * await downloadHubFile({ hub: parseHubFile('org/repo/model.safetensors'), dest: 'models/checkpoints/model.safetensors',
 *   access: { endpoint: 'https://huggingface.co', token: process.env.HF_TOKEN } });
 */
export async function downloadHubFile(request: DownloadRequest): Promise<DownloadResult> {
  const { hub, dest, access } = request;
  const url = hubFileUrl(access.endpoint, hub);
  const auth: Record<string, string> = access.token ? { authorization: `Bearer ${access.token}` } : {};
  const remote = await remoteFile(url, hub, access, auth);
  if (await verified(dest, remote))
    return { dest, bytes: remote.size, sha256: remote.sha256, status: 'present' };

  await mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let offset = (await sizeOf(part)) ?? 0;
  if (offset > remote.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  const hash = createHash('sha256');
  if (offset > 0) await hashFile(part, hash);
  const resumedFrom = offset;
  if (offset < remote.size) {
    let res: Response;
    try {
      res = await (access.fetch ?? fetch)(url, {
        headers: { ...auth, ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
      });
    } catch (err) {
      throw unreachable(access.endpoint, err);
    }
    if (res.status >= 400) throw httpError(res.status, `${hub.repo}/${hub.file}@${hub.revision}`, hub);
    if (offset > 0 && res.status !== 206) {
      // The server ignored the range and sends the whole file: start again from the first byte.
      offset = 0;
    }
    const fileHash = offset === 0 ? createHash('sha256') : hash;
    const handle = await open(part, offset === 0 ? 'w' : 'a');
    let received = offset;
    try {
      if (!res.body) throw new EngineError('hub_http_error', `the hub sent no body for ${hub.file}`);
      for await (const chunk of res.body) {
        fileHash.update(chunk);
        await handle.write(chunk);
        received += chunk.byteLength;
        request.onProgress?.({ file: hub.file, received, total: remote.size, resumedFrom });
      }
    } catch (err) {
      throw new EngineError(
        'download_interrupted',
        `the download of ${hub.file} stopped after ${received} of ${remote.size} bytes (${errorMessage(err)}); ${part} is kept: run the same command again to resume`,
      );
    } finally {
      await handle.close();
    }
    if (received !== remote.size) {
      throw new EngineError(
        'download_interrupted',
        `the download of ${hub.file} ended after ${received} of ${remote.size} bytes; ${part} is kept: run the same command again to resume`,
      );
    }
    return finish({ part, dest, remote, digest: fileHash.digest('hex'), resumedFrom });
  }
  return finish({ part, dest, remote, digest: hash.digest('hex'), resumedFrom });
}

async function finish(o: {
  part: string;
  dest: string;
  remote: RemoteFile;
  digest: string;
  resumedFrom: number;
}): Promise<DownloadResult> {
  if (o.remote.sha256 && o.digest !== o.remote.sha256) {
    await rm(o.part, { force: true });
    throw new EngineError(
      'download_sha256_mismatch',
      `${path.basename(o.dest)}: sha256 ${o.digest} does not match the hub's ${o.remote.sha256}; the download was deleted`,
    );
  }
  await rename(o.part, o.dest);
  return {
    dest: o.dest,
    bytes: o.remote.size,
    sha256: o.remote.sha256,
    status: o.resumedFrom > 0 ? 'resumed' : 'downloaded',
  };
}
