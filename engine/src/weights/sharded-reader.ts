/**
 * @module
 * One `WeightReader` over a checkpoint split into shards (`pytorch_model-00001-of-00002.bin`,
 * `model-00001-of-00004.safetensors`): every shard is opened (headers only) and each key is read
 * from the shard that holds it. A key stored in two shards is an error, never a silent choice.
 */
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor';
import { openWeights } from './open-weights';
import type { TensorInfo, WeightReader, WeightTensor } from './weight-reader';

/**
 * @example
 * const r = await ShardedReader.open(['a/model-00001-of-00002.safetensors', 'a/model-00002-of-00002.safetensors']);
 * r.fileOf('model.norm.weight'); // 'a/model-00002-of-00002.safetensors'
 */
export class ShardedReader implements WeightReader {
  /** What the reader was opened on (the checkpoint folder), else the first file and the count. */
  readonly path: string;
  readonly files: readonly string[];
  readonly #readers: readonly WeightReader[];
  readonly #owner: ReadonlyMap<string, WeightReader>;
  readonly #keys: string[];

  private constructor(files: readonly string[], readers: readonly WeightReader[], path: string | undefined) {
    this.files = files;
    this.path = path ?? (files.length === 1 ? files[0]! : `${files[0]} (+${files.length - 1} shards)`);
    this.#readers = readers;
    const owner = new Map<string, WeightReader>();
    for (const r of readers) {
      for (const key of r.keys()) {
        const other = owner.get(key);
        if (other !== undefined) {
          throw new EngineError(
            'weight_key_clash',
            `'${key}' is stored in both ${other.path} and ${r.path}`,
            {
              key,
              files: [other.path, r.path],
            },
          );
        }
        owner.set(key, r);
      }
    }
    this.#owner = owner;
    this.#keys = [...owner.keys()].sort();
  }

  /** Open every shard; on failure the ones already open are closed again. */
  static async open(files: readonly string[], o: { readonly path?: string } = {}): Promise<ShardedReader> {
    if (files.length === 0)
      throw new EngineError('invalid_option', 'a sharded checkpoint needs at least one file');
    const readers: WeightReader[] = [];
    try {
      for (const file of files) readers.push(await openWeights(file));
      return new ShardedReader(files, readers, o.path);
    } catch (err) {
      await Promise.all(readers.map((r) => r.close()));
      throw err;
    }
  }

  keys(): string[] {
    return [...this.#keys];
  }

  has(name: string): boolean {
    return this.#owner.has(name);
  }

  info(name: string): TensorInfo | undefined {
    return this.#owner.get(name)?.info(name);
  }

  /** The shard file holding `name`. */
  fileOf(name: string): string | undefined {
    return this.#owner.get(name)?.path;
  }

  async read(name: string): Promise<WeightTensor> {
    return this.#reader(name).read(name);
  }

  async readFloat32(name: string): Promise<Tensor<'float32'>> {
    return this.#reader(name).readFloat32(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.#readers.map((r) => r.close()));
  }

  #reader(name: string): WeightReader {
    const r = this.#owner.get(name);
    if (r === undefined) {
      throw new EngineError('weight_not_found', `${this.path}: no tensor named '${name}'`, {
        path: this.path,
        tensor: name,
      });
    }
    return r;
  }
}
