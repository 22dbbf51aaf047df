/**
 * @module
 * The float tensors of one model component (VAE, text encoder, UNet), read once from a checkpoint and
 * renamed to one canonical key layout (diffusers / HF names), so graph builders take `conv1.weight`
 * with the shape they expect and every mismatch is reported with the key, both shapes and the key as
 * stored in the file. Weight patches go on top as new maps: replaced tensors (Custom Diffusion) and
 * low-rank deltas (LoRA) that the layer helpers apply as branches (see `low-rank-delta.ts`).
 */
import type { Tensor, WeightReader } from '@momaflow/engine';
import { EngineError, isFloatDType } from '@momaflow/engine';
import type { LowRankDelta } from './low-rank-delta';

/** Where a stored tensor goes: its canonical key, and a reshape for layouts that differ only in view. */
export interface WeightMapping {
  readonly key: string;
  /** New shape (same element count), e.g. LDM's 1x1 conv attention weights [C, C, 1, 1] -> [C, C]. */
  readonly reshape?: (shape: readonly number[]) => readonly number[];
}

/** Maps a stored key to its canonical key, or `undefined` to leave the tensor unread. */
export type WeightSelector = (storedKey: string) => WeightMapping | undefined;

/** Makes the tensor for `key` with `shape` (see `WeightMap.synthetic`). */
export type WeightFactory = (key: string, shape: readonly number[]) => Tensor<'float32'>;

interface Entry {
  readonly tensor: Tensor<'float32'>;
  readonly storedKey: string;
  /** The tensor as loaded, before any replacement. */
  readonly original?: Tensor<'float32'>;
}

/** A tensor that replaces a weight, and where it came from (for messages). */
export interface WeightReplacement {
  readonly tensor: Tensor<'float32'>;
  readonly source: string;
}

/** [out, in * kh * kw] of a weight, or of a delta's `up @ (mid) down`. */
function matrixShape(shape: readonly number[]): [number, number] {
  const [out = 0, ...rest] = shape;
  return [out, rest.reduce((a, d) => a * d, 1)];
}

function deltaShape(d: LowRankDelta): [number, number] {
  const kernel = d.mid === undefined ? 1 : (d.mid.shape[2] ?? 1) * (d.mid.shape[3] ?? 1);
  return [d.up.shape[0] ?? 0, matrixShape(d.down.shape)[1] * kernel];
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Canonically named float32 weights with shape-checked access.
 * @example
 * const weights = await WeightMap.load(reader, (k) => (k.startsWith('vae.') ? { key: k.slice(4) } : undefined));
 * const w = weights.take('decoder.conv_in.weight', [512, 4, 3, 3]);
 */
export class WeightMap {
  /** The file the tensors came from, for messages. */
  readonly source: string;
  readonly #entries: Map<string, Entry>;
  readonly #make: WeightFactory | undefined;
  readonly #deltas: ReadonlyMap<string, readonly LowRankDelta[]>;

  private constructor(
    source: string,
    entries: Map<string, Entry>,
    make?: WeightFactory,
    deltas: ReadonlyMap<string, readonly LowRankDelta[]> = new Map(),
  ) {
    this.source = source;
    this.#entries = entries;
    this.#make = make;
    this.#deltas = deltas;
  }

  /**
   * Read every float tensor that `select` maps (F16/BF16 widen to float32). Two stored keys mapped to
   * one canonical key is an error: one of them would be silently dropped.
   */
  static async load(reader: WeightReader, select: WeightSelector): Promise<WeightMap> {
    const entries = new Map<string, Entry>();
    for (const storedKey of reader.keys()) {
      const mapping = select(storedKey);
      if (mapping === undefined) continue;
      const info = reader.info(storedKey);
      // Integer buffers (`position_ids` in older CLIP files) are not weights.
      if (info === undefined || !isFloatDType(info.dtype)) continue;
      const clash = entries.get(mapping.key);
      if (clash !== undefined) {
        throw new EngineError(
          'weight_key_clash',
          `'${storedKey}' and '${clash.storedKey}' in ${reader.path} both map to '${mapping.key}'`,
          { key: mapping.key, storedKeys: [clash.storedKey, storedKey], file: reader.path },
        );
      }
      const read = await reader.readFloat32(storedKey);
      const tensor = mapping.reshape === undefined ? read : read.reshape(mapping.reshape(read.shape));
      entries.set(mapping.key, { tensor, storedKey });
    }
    return new WeightMap(reader.path, entries);
  }

  /** Weights from in-memory tensors (tests, generated models); stored keys equal canonical keys. */
  static fromTensors(source: string, tensors: Readonly<Record<string, Tensor<'float32'>>>): WeightMap {
    const entries = new Map<string, Entry>();
    for (const [key, tensor] of Object.entries(tensors)) entries.set(key, { tensor, storedKey: key });
    return new WeightMap(source, entries);
  }

  /**
   * Weights made on demand with the shape each `take` asks for (benchmarks and tests of full-size
   * architectures with random weights); `keys()` lists those taken so far.
   * @example
   * const weights = WeightMap.synthetic('random', (key, shape) => randomTensor(shape));
   */
  static synthetic(source: string, make: WeightFactory): WeightMap {
    return new WeightMap(source, new Map(), make);
  }

  /**
   * A copy whose weights named in `replacements` hold the given tensors instead (same shapes).
   * @throws EngineError `weight_missing` / `weight_shape_mismatch` naming the key and the replacement's source.
   * @example
   * const patched = weights.withReplaced(new Map([['...attn2.to_k.weight', { tensor, source: 'cat.bin' }]]));
   */
  withReplaced(replacements: ReadonlyMap<string, WeightReplacement>): WeightMap {
    const entries = new Map(this.#entries);
    for (const [key, { tensor, source }] of replacements) {
      const old = this.#entries.get(key);
      if (old === undefined) {
        throw new EngineError(
          'weight_missing',
          `${source} replaces '${key}', which ${this.source} does not have`,
          {
            key,
            file: source,
          },
        );
      }
      if (!sameShape(old.tensor.shape, tensor.shape)) {
        throw new EngineError(
          'weight_shape_mismatch',
          `${source} replaces '${key}' [${old.tensor.shape.join(', ')}] with shape [${tensor.shape.join(', ')}]`,
          { key, file: source, expected: [...old.tensor.shape], received: [...tensor.shape] },
        );
      }
      entries.set(key, { tensor, storedKey: `${source}:${key}`, original: old.original ?? old.tensor });
    }
    return new WeightMap(this.source, entries, this.#make, this.#deltas);
  }

  /**
   * A copy with `deltas` added to the weights they name, after any they already carry. Each delta's
   * `up @ down` must have the weight's [out, in * kh * kw].
   * @throws EngineError `weight_missing` / `weight_delta_mismatch` naming the key.
   * @example
   * const patched = weights.withDeltas(new Map([['conv_in.weight', [{ down, up, scale: 1, strength: 'lora.0' }]]]));
   */
  withDeltas(deltas: ReadonlyMap<string, readonly LowRankDelta[]>): WeightMap {
    const merged = new Map(this.#deltas);
    for (const [key, list] of deltas) {
      const entry = this.#entries.get(key);
      if (entry === undefined) {
        throw new EngineError(
          'weight_missing',
          `a low-rank delta names '${key}', which ${this.source} does not have`,
          {
            key,
          },
        );
      }
      const want = matrixShape(entry.tensor.shape);
      for (const d of list) {
        const got = deltaShape(d);
        if (got[0] !== want[0] || got[1] !== want[1]) {
          throw new EngineError(
            'weight_delta_mismatch',
            `a low-rank delta for '${key}' [${entry.tensor.shape.join(', ')}] has up [${d.up.shape.join(', ')}] and down [${d.down.shape.join(', ')}]`,
            { key },
          );
        }
      }
      merged.set(key, [...(merged.get(key) ?? []), ...list]);
    }
    return new WeightMap(this.source, this.#entries, this.#make, merged);
  }

  /** The tensor under `key` as loaded, before any `withReplaced` (combining replacements needs it). */
  original(key: string): Tensor<'float32'> | undefined {
    const entry = this.#entries.get(key);
    return entry?.original ?? entry?.tensor;
  }

  /** Low-rank deltas by the weight they patch. */
  deltas(): ReadonlyMap<string, readonly LowRankDelta[]> {
    return this.#deltas;
  }

  /** Canonical keys, sorted. */
  keys(): string[] {
    return [...this.#entries.keys()].sort();
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The key as stored in the file (differs from `key` for converted layouts). */
  storedKey(key: string): string | undefined {
    return this.#entries.get(key)?.storedKey;
  }

  /**
   * The tensor under `key`, which must have exactly `shape`.
   * @throws EngineError `weight_missing` or `weight_shape_mismatch`, naming the key, both shapes and the file.
   */
  take(key: string, shape: readonly number[]): Tensor<'float32'> {
    let entry = this.#entries.get(key);
    if (entry === undefined && this.#make !== undefined) {
      entry = { tensor: this.#make(key, shape), storedKey: key };
      this.#entries.set(key, entry);
    }
    if (entry === undefined) {
      throw new EngineError(
        'weight_missing',
        `weight '${key}' (expected shape ${formatShape(shape)}) is missing from ${this.source}`,
        { key, expected: [...shape], file: this.source },
      );
    }
    if (!sameShape(entry.tensor.shape, shape)) {
      const stored = entry.storedKey === key ? '' : ` (stored as '${entry.storedKey}')`;
      throw new EngineError(
        'weight_shape_mismatch',
        `weight '${key}'${stored} in ${this.source} has shape ${formatShape(entry.tensor.shape)}, expected ${formatShape(shape)}`,
        {
          key,
          storedKey: entry.storedKey,
          expected: [...shape],
          received: [...entry.tensor.shape],
          file: this.source,
        },
      );
    }
    return entry.tensor;
  }

  /** The shape stored under `key`, to read dimensions a config does not give (vocab size...). */
  shapeOf(key: string): readonly number[] | undefined {
    return this.#entries.get(key)?.tensor.shape;
  }
}
