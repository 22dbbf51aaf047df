/**
 * @module
 * Where a model's parts live: a diffusers pipeline folder (`vae/`, `text_encoder/`, `unet/`, each with
 * `config.json` and weights), a single component folder, or a single-file LDM checkpoint with an
 * optional `.yaml` of the same name beside it.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { EngineError } from '@momaflow/engine';
import { type LdmYamlConfig, readLdmYaml } from './ldm-yaml';

/** A resolved checkpoint. */
export type CheckpointLayout =
  | {
      readonly kind: 'diffusers';
      /** The pipeline folder (holding `vae/`, ...) or a component folder (holding `config.json`). */
      readonly root: string;
    }
  | {
      readonly kind: 'single-file';
      readonly file: string;
      /** The LDM yaml beside the file, when there is one. */
      readonly yaml: LdmYamlConfig | undefined;
    };

/** A diffusers component: diffusers' / transformers' own file names, safetensors first. */
export interface DiffusersComponent {
  readonly configPath: string;
  readonly weightsPath: string;
}

/**
 * Weight file names `save_pretrained` writes, by component class, best first.
 * @example
 * await findDiffusersComponent(root, 'text_encoder', DIFFUSERS_WEIGHT_NAMES.transformers);
 */
export const DIFFUSERS_WEIGHT_NAMES = {
  transformers: [
    'model.safetensors',
    'model.fp16.safetensors',
    'pytorch_model.bin',
    'pytorch_model.fp16.bin',
  ],
  diffusers: [
    'diffusion_pytorch_model.safetensors',
    'diffusion_pytorch_model.fp16.safetensors',
    'diffusion_pytorch_model.bin',
    'diffusion_pytorch_model.fp16.bin',
  ],
} as const satisfies Record<string, readonly string[]>;

async function kindOf(path: string): Promise<'file' | 'dir' | 'none'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
}

/**
 * Classify `path` and read the yaml beside a single file (`sd.safetensors` -> `sd.yaml`).
 * @throws EngineError `checkpoint_not_found` when nothing exists at `path`.
 * @example
 * const layout = await resolveCheckpointLayout('models/checkpoints/tiny-sd.safetensors');
 */
export async function resolveCheckpointLayout(path: string): Promise<CheckpointLayout> {
  const kind = await kindOf(path);
  if (kind === 'none') {
    throw new EngineError('checkpoint_not_found', `checkpoint '${path}' does not exist`, { path });
  }
  if (kind === 'dir') return { kind: 'diffusers', root: path };
  const yamlPath = join(dirname(path), `${basename(path, extname(path))}.yaml`);
  const yaml = (await kindOf(yamlPath)) === 'file' ? await readLdmYaml(yamlPath) : undefined;
  return { kind: 'single-file', file: path, yaml };
}

/**
 * The config and weights of `component` (`'vae'`, `'text_encoder'`, `'unet'`) under a diffusers root;
 * `root` may also be the component folder itself.
 * @throws EngineError `checkpoint_component_missing` listing the names looked for.
 * @example
 * const { configPath, weightsPath } = await findDiffusersComponent('models/sd15', 'vae', DIFFUSERS_WEIGHT_NAMES.diffusers);
 */
export async function findDiffusersComponent(
  root: string,
  component: string,
  weightNames: readonly string[],
): Promise<DiffusersComponent> {
  const candidates = [join(root, component), root];
  for (const dir of candidates) {
    const configPath = join(dir, 'config.json');
    if ((await kindOf(configPath)) !== 'file') continue;
    for (const name of weightNames) {
      const weightsPath = join(dir, name);
      if ((await kindOf(weightsPath)) === 'file') return { configPath, weightsPath };
    }
  }
  throw new EngineError(
    'checkpoint_component_missing',
    `'${root}' has no ${component}/config.json with one of: ${weightNames.join(', ')}`,
    { path: root, component },
  );
}
