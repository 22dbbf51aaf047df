/**
 * @module
 * Reassembles a file that a package ships in chunks: a `resources.json` maps each resource to its
 * size and its chunks (`hash`: the sha256 of the chunk, which is also its file name beside the JSON;
 * `offsets`: [start, end) in the whole file). Every chunk is checked against its hash and the chunks
 * must tile the file exactly, so a damaged or incomplete package is refused rather than written.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { EngineError, errorMessage, zDict } from '@momaflow/engine';
import { parseTar } from 'nanotar';
import { z } from 'zod';

const zChunk = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
});
const zResources = zDict(z.object({ chunks: z.array(zChunk).min(1), size: z.number().int().min(1) }));

/** A file of the package, by path inside the tarball. */
export type PackageFiles = ReadonlyMap<string, Uint8Array>;

/** A view's bytes as an ArrayBuffer of their own (nanotar reads `data.buffer`, ignoring a view's offset). */
function ownArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes : bytes.slice()).buffer as ArrayBuffer;
}

/**
 * The regular files of a `.tgz` whose path starts with `prefix`, by path.
 * @throws EngineError `invalid_package` when it is not a gzipped tar.
 * @example
 * const files = readTarGz(tgz, 'package/dist/');
 */
export function readTarGz(tgz: Uint8Array, prefix: string, what: string): PackageFiles {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(tgz);
  } catch (err) {
    throw new EngineError('invalid_package', `${what} is not a gzipped tarball: ${errorMessage(err)}`);
  }
  const files = new Map<string, Uint8Array>();
  const entries = parseTar(ownArrayBuffer(tar), {
    filter: (f) => f.type === 'file' && f.name.startsWith(prefix),
  });
  for (const entry of entries) files.set(entry.name, entry.data ?? new Uint8Array(0));
  return files;
}

/**
 * The bytes of `resource`, from the chunks beside `resourcesPath`.
 * @throws EngineError `invalid_package` naming what is wrong (missing JSON or chunk, a chunk that does
 * not hash to its name, gaps or overlaps, a size mismatch).
 * @example
 * const model = reassembleResource(files, { resourcesPath: 'package/dist/resources.json', resource: '/models/medium', what });
 */
export function reassembleResource(
  files: PackageFiles,
  o: { readonly resourcesPath: string; readonly resource: string; readonly what: string },
): Uint8Array {
  const fail = (why: string) => new EngineError('invalid_package', `${o.what}: ${why}`);
  const json = files.get(o.resourcesPath);
  if (json === undefined) throw fail(`it has no ${o.resourcesPath}`);
  let resources: z.infer<typeof zResources>;
  try {
    resources = zResources.parse(JSON.parse(new TextDecoder().decode(json)));
  } catch (err) {
    throw fail(`${o.resourcesPath} is not a chunk list: ${errorMessage(err)}`);
  }
  const entry = resources[o.resource];
  if (entry === undefined || !Object.hasOwn(resources, o.resource)) {
    throw fail(`${o.resourcesPath} lists no '${o.resource}' (it has ${Object.keys(resources).join(', ')})`);
  }
  const dir = o.resourcesPath.slice(0, o.resourcesPath.lastIndexOf('/') + 1);
  const out = new Uint8Array(entry.size);
  const chunks = [...entry.chunks].sort((a, b) => a.offsets[0] - b.offsets[0]);
  let next = 0;
  for (const { hash, offsets } of chunks) {
    const [start, end] = offsets;
    if (start !== next || end <= start || end > entry.size) {
      throw fail(
        `chunk ${hash} covers [${start}, ${end}) where [${next}, ...) of ${entry.size} bytes was expected`,
      );
    }
    const data = files.get(dir + hash);
    if (data === undefined) throw fail(`chunk ${hash} of '${o.resource}' is missing`);
    if (data.byteLength !== end - start)
      throw fail(`chunk ${hash} has ${data.byteLength} bytes, not ${end - start}`);
    if (createHash('sha256').update(data).digest('hex') !== hash)
      throw fail(`chunk ${hash} does not hash to its name`);
    out.set(data, start);
    next = end;
  }
  if (next !== entry.size) throw fail(`the chunks of '${o.resource}' end at ${next} of ${entry.size} bytes`);
  return out;
}
