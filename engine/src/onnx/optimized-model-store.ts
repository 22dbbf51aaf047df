/**
 * @module
 * onnxruntime-optimised copies of models, kept on disk so that a session loads without optimising
 * again. Creating a full-size SD1.5 UNet session from its built graph takes 35 s here, almost all of it
 * onnxruntime's graph optimisation (constant folding, NCHWc layout, fusions); the saved optimised copy
 * loads in 3 s, its initializers memory-mapped from an external-data file (issue 16). A copy is
 * specific to the onnxruntime version, the optimisation level and the CPU (the NCHWc block size
 * follows the vector width), so all three are part of its key. Copies are written into a fresh folder
 * and renamed into place, so a folder that exists is complete.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { env as ortEnv } from 'onnxruntime-node';
import type { ResolvedOnnxSessionOptions } from './session-options';

const MODEL_FILE = 'model.onnx';
const DATA_FILE = 'model.onnx.data';

/** A copy being written by a session creation; `commit` makes it findable, `discard` removes it. */
export interface PendingOptimizedModel {
  /** Session options that make onnxruntime write the optimised model while it creates the session. */
  readonly options: ort.InferenceSession.SessionOptions;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** The CPU's model name and instruction-set flags: what onnxruntime's CPU kernels and layouts depend on. */
function cpuSignature(): string {
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    // Not Linux: the model name (and the architecture in the key) must do.
  }
  return `${cpus()[0]?.model ?? 'unknown'}|${flags}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * @example
 * const store = OptimizedModelStore.create(join(temp, 'onnx-optimized'));
 * const copy = await store.find(hash, options);
 */
export class OptimizedModelStore {
  readonly #dir: string;
  readonly #host: string;

  private constructor(dir: string) {
    this.#dir = dir;
    this.#host = JSON.stringify([ortEnv.versions.common, platform(), arch(), cpuSignature()]);
  }

  static create(dir: string): OptimizedModelStore {
    return new OptimizedModelStore(dir);
  }

  /** The folder of the copy of model `hash` optimised with `o` on this host. */
  folderOf(hash: string, o: ResolvedOnnxSessionOptions): string {
    const key = createHash('sha256')
      .update(JSON.stringify([this.#host, hash, o.executionProvider, o.graphOptimizationLevel]))
      .digest('hex');
    return join(this.#dir, key);
  }

  /** Path of the saved copy, or undefined when there is none yet. */
  async find(hash: string, o: ResolvedOnnxSessionOptions): Promise<string | undefined> {
    const path = join(this.folderOf(hash, o), MODEL_FILE);
    return (await exists(path)) ? path : undefined;
  }

  /** Remove a copy that failed to load, so the next session writes it again. */
  async forget(hash: string, o: ResolvedOnnxSessionOptions): Promise<void> {
    await rm(this.folderOf(hash, o), { recursive: true, force: true });
  }

  /** Options to write the copy while creating a session from the source model. */
  async prepare(hash: string, o: ResolvedOnnxSessionOptions): Promise<PendingOptimizedModel> {
    const folder = this.folderOf(hash, o);
    const scratch = `${folder}.tmp-${randomUUID()}`;
    await mkdir(scratch, { recursive: true });
    return {
      options: {
        optimizedModelFilePath: join(scratch, MODEL_FILE),
        // Initializers go to a side file: full-size graphs exceed protobuf's 2 GB, and onnxruntime
        // memory-maps external data when it loads the copy.
        extra: {
          session: {
            optimized_model_external_initializers_file_name: DATA_FILE,
            optimized_model_external_initializers_min_size_in_bytes: '1024',
          },
        },
      },
      commit: async () => {
        try {
          await rename(scratch, folder);
        } catch {
          // Another process put the same copy in place first; ours is redundant.
          await rm(scratch, { recursive: true, force: true });
        }
      },
      discard: () => rm(scratch, { recursive: true, force: true }),
    };
  }
}
