/**
 * @module
 * The weight files of a transformers checkpoint folder, as `from_pretrained` finds them: a shard
 * index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`) naming the shards, a single
 * `model.safetensors` / `pytorch_model.bin`, numbered shards (`pytorch_model-00001-of-00002.bin`)
 * without an index, or else the folder's only weight file. A shard that is missing is an error
 * naming it, never a model with holes.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EngineError, errorMessage, ShardedReader, zDict } from '@momaflow/engine';
import { z } from 'zod';

/** Where a checkpoint's tensors are. */
export interface HfWeightFiles {
  readonly dir: string;
  /** Absolute paths, in shard order. */
  readonly files: readonly string[];
  /** The index's key -> file name map, when the folder has one. */
  readonly index?: { readonly path: string; readonly weightMap: ReadonlyMap<string, string> };
}

const INDEX_NAMES = ['model.safetensors.index.json', 'pytorch_model.bin.index.json'] as const;
const SINGLE_NAMES = ['model.safetensors', 'pytorch_model.bin'] as const;
const NUMBERED = /^(model|pytorch_model)-(\d+)-of-(\d+)\.(safetensors|bin)$/;
const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt)$/;

const zIndex = z.object({ weight_map: zDict(z.string()) });

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

function missingShard(dir: string, file: string, why: string): EngineError {
  return new EngineError('shard_missing', `${join(dir, file)} is missing (${why})`, { dir, file });
}

async function fromIndex(dir: string, name: string): Promise<HfWeightFiles> {
  const path = join(dir, name);
  let parsed: z.infer<typeof zIndex>;
  try {
    const result = zIndex.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!result.success) throw new Error(`no 'weight_map' of key -> file name`);
    parsed = result.data;
  } catch (cause) {
    throw new EngineError('shard_index_invalid', `${path}: ${errorMessage(cause)}`, { path }, { cause });
  }
  const weightMap = new Map(Object.entries(parsed.weight_map));
  const names = [...new Set(weightMap.values())].sort();
  for (const file of names) {
    if (file !== basename(file) || file.startsWith('.')) {
      throw new EngineError(
        'shard_index_invalid',
        `${path}: shard name '${file}' must be a file in the same folder`,
        {
          path,
        },
      );
    }
    if (!(await isFile(join(dir, file)))) throw missingShard(dir, file, `named by ${name}`);
  }
  if (names.length === 0)
    throw new EngineError('shard_index_invalid', `${path}: 'weight_map' is empty`, { path });
  return { dir, files: names.map((f) => join(dir, f)), index: { path, weightMap } };
}

async function fromNumbered(dir: string, entries: readonly string[]): Promise<HfWeightFiles | undefined> {
  const numbered = entries.map((e) => NUMBERED.exec(e)).filter((m) => m !== null);
  const first = numbered[0];
  if (first === undefined) return undefined;
  const [, prefix, , total, ext] = first;
  const width = first[2]!.length;
  const count = Number(total);
  const pad = (n: number) => String(n).padStart(width, '0');
  const files: string[] = [];
  for (let i = 1; i <= count; i++) {
    const file = `${prefix}-${pad(i)}-of-${total}.${ext}`;
    if (!entries.includes(file)) throw missingShard(dir, file, `shard ${i} of ${count}`);
    files.push(join(dir, file));
  }
  return { dir, files };
}

/**
 * The weight files of the checkpoint folder `dir`.
 * @throws EngineError `shard_missing` (naming the file), `shard_index_invalid`, `weights_not_found`.
 * @example
 * const { files } = await resolveHfWeightFiles('models/mllm/MoMA_llava_7b');
 */
export async function resolveHfWeightFiles(dir: string): Promise<HfWeightFiles> {
  for (const name of INDEX_NAMES) if (await isFile(join(dir, name))) return fromIndex(dir, name);
  for (const name of SINGLE_NAMES)
    if (await isFile(join(dir, name))) return { dir, files: [join(dir, name)] };
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (cause) {
    throw new EngineError(
      'weights_not_found',
      `cannot read checkpoint folder ${dir}: ${errorMessage(cause)}`,
      { dir },
      {
        cause,
      },
    );
  }
  const numbered = await fromNumbered(dir, entries);
  if (numbered !== undefined) return numbered;
  const weights = entries.filter((e) => WEIGHT_FILE.test(e));
  if (weights.length === 1) return { dir, files: [join(dir, weights[0]!)] };
  throw new EngineError(
    'weights_not_found',
    `${dir}: no weights found (expected ${[...INDEX_NAMES, ...SINGLE_NAMES].join(', ')} or numbered shards)${
      weights.length > 1 ? `; several weight files and no index: ${weights.join(', ')}` : ''
    }`,
    { dir },
  );
}

/**
 * Open the checkpoint's tensors as one reader, checking that each key sits in the shard its index
 * names.
 * @throws EngineError `shard_index_mismatch` naming the key, the indexed file and where it really is.
 * @example
 * const reader = await openHfWeights(await resolveHfWeightFiles(dir));
 */
export async function openHfWeights(w: HfWeightFiles): Promise<ShardedReader> {
  const reader = await ShardedReader.open(w.files, { path: w.dir });
  if (w.index === undefined) return reader;
  for (const [key, file] of w.index.weightMap) {
    const actual = reader.fileOf(key);
    if (actual === undefined || basename(actual) !== file) {
      await reader.close();
      throw new EngineError(
        'shard_index_mismatch',
        `${w.index.path} puts '${key}' in ${file}, but ${actual === undefined ? 'no shard has it' : `it is in ${basename(actual)}`}`,
        { key, file, path: w.index.path },
      );
    }
  }
  return reader;
}
