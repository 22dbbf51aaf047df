/**
 * @module
 * Where a published npm package version's tarball is and what it must hash to, as the registry says
 * (`GET <registry>/<name>/<version>` -> `dist.tarball`, `dist.integrity`). The tarball is fetched from
 * that URL and checked against that integrity, never trusted on its own.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import { fetchOrFail } from './fetch-or-fail';

const zVersionDocument = z.object({
  name: z.string(),
  version: z.string(),
  dist: z.object({ tarball: z.string().url(), integrity: z.string().min(1) }),
});

/** A version's tarball URL and its Subresource Integrity string (`sha512-<base64>`). */
export interface PackageDist {
  readonly tarball: string;
  readonly integrity: string;
}

/** The registry URL of a version document; a scope's slash is escaped as the registry expects. */
export function versionUrl(registry: string, name: string, version: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return new URL(`${name.replace('/', '%2f')}/${encodeURIComponent(version)}`, base).href;
}

/**
 * @throws EngineError `download_failed` (registry unreachable, not found, not JSON, unexpected shape).
 * @example
 * const dist = await fetchPackageDist({ registry: 'https://registry.npmjs.org/', name: 'left-pad', version: '1.3.0' });
 */
export async function fetchPackageDist(o: {
  readonly registry: string;
  readonly name: string;
  readonly version: string;
  readonly signal?: AbortSignal;
}): Promise<PackageDist> {
  const url = versionUrl(o.registry, o.name, o.version);
  const response = await fetchOrFail(url, `${o.name}@${o.version}`, o.signal);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new EngineError(
      'download_failed',
      `the registry's answer for ${o.name}@${o.version} (${url}) is not JSON`,
    );
  }
  const parsed = zVersionDocument.safeParse(json);
  if (!parsed.success || parsed.data.name !== o.name || parsed.data.version !== o.version) {
    throw new EngineError(
      'download_failed',
      `the registry's answer for ${o.name}@${o.version} (${url}) is not that version's document (no dist.tarball / dist.integrity)`,
    );
  }
  return parsed.data.dist;
}
