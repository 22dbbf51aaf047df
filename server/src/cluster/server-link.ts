/**
 * @module
 * A worker's calls to the server, each with the worker token: uploading the files a prompt produced
 * (the server may store them under another name when the name is taken) and fetching the input files
 * a prompt reads. The server's URL and token come from the options, or from what the server
 * advertised in Redis (read again after a failure, since the server may have restarted elsewhere).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError, type FileRef } from '@momaflow/engine';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ClusterNames } from './cluster-names';
import { isFileRef } from './file-refs';
import type { InputFile } from './prompt-job';

export interface ServerLink {
  /** Sends a produced file; returns where the server keeps it. */
  upload(ref: FileRef, file: string): Promise<FileRef>;
  /** Makes `input/<name>` here hold the server's file with that hash (fetched only when it differs). */
  syncInput(input: InputFile, inputDir: string): Promise<void>;
}

export interface ServerLinkOptions {
  readonly redis: Redis;
  readonly names: ClusterNames;
  /** Overrides what the server advertised (a worker on another network sees the server elsewhere). */
  readonly url?: string;
  readonly token?: string;
}

const zServerAdvert = z.object({ url: z.url(), token: z.string().min(8) });
export type ServerAdvert = z.infer<typeof zServerAdvert>;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function fileHash(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file));
  } catch {
    return undefined;
  }
}

/** `inputDir/name` after checking that `name` stays inside (it comes from a job). */
function confined(inputDir: string, name: string): string {
  const target = path.resolve(inputDir, name);
  if (!target.startsWith(path.resolve(inputDir) + path.sep)) {
    throw new EngineError('path_outside_folder', `input file '${name}' would leave the input folder`);
  }
  return target;
}

/**
 * @example
 * const link = createServerLink({ redis, names });
 * const stored = await link.upload(ref, path.join(dirs.output, ref.subfolder, ref.filename));
 */
export function createServerLink(options: ServerLinkOptions): ServerLink {
  let advert: ServerAdvert | undefined;

  async function server(): Promise<ServerAdvert> {
    if (advert) return advert;
    const stored = await options.redis.hgetall(options.names.server);
    const parsed = zServerAdvert.safeParse({ ...stored, ...definedOverrides() });
    if (!parsed.success) {
      throw new EngineError('server_unknown', 'no momaflow server has advertised itself on this queue yet');
    }
    advert = parsed.data;
    return advert;
  }

  function definedOverrides() {
    return {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
    };
  }

  async function call(pathAndQuery: string, init: RequestInit): Promise<Response> {
    const { url, token } = await server();
    let res: Response;
    try {
      res = await fetch(new URL(pathAndQuery, url), {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      });
    } catch (err) {
      advert = undefined;
      throw new EngineError(
        'server_unreachable',
        `cannot reach the server at ${url}: ${(err as Error).message}`,
      );
    }
    if (!res.ok) {
      advert = undefined;
      const body = await res.text().catch(() => '');
      throw new EngineError(
        'server_refused',
        `the server answered ${res.status} to ${pathAndQuery}: ${body.slice(0, 300)}`,
      );
    }
    return res;
  }

  return {
    async upload(ref, file) {
      const query = new URLSearchParams({ subfolder: ref.subfolder, filename: ref.filename });
      const res = await call(`/api/cluster/files/${ref.type}?${query}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(await readFile(file)),
      });
      const stored: unknown = await res.json();
      if (!isFileRef(stored))
        throw new EngineError('server_refused', 'the server answered an upload with no file reference');
      return stored;
    },
    async syncInput(input, inputDir) {
      const target = confined(inputDir, input.name);
      if ((await fileHash(target)) === input.sha256) return;
      const query = new URLSearchParams({ name: input.name });
      const bytes = new Uint8Array(await (await call(`/api/cluster/files/input?${query}`, {})).arrayBuffer());
      if (sha256(bytes) !== input.sha256) {
        throw new EngineError(
          'input_changed',
          `input file '${input.name}' changed on the server since the prompt was queued`,
        );
      }
      await mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${randomUUID()}.part`;
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, target).catch(async (err: unknown) => {
        await rm(temp, { force: true });
        throw err;
      });
    },
  };
}
