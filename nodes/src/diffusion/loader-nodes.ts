/**
 * @module
 * ComfyUI's other loaders for SD1.x: CheckpointLoader (a single file with an LDM config from
 * `models/configs`), VAELoader (a standalone VAE from `models/vae`: LDM keys with or without
 * `first_stage_model.`, diffusers keys, or a diffusers `vae` folder) and CLIPSetLastLayer (clip skip).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, EngineError, errorMessage, Input } from '@momaflow/engine';
import { listFolder } from '../files/list-folder';
import { resolveExistingInside } from '../image';
import { resolveCheckpointLayout } from '../models/ldm-config';
import { checkpointIdentity } from './checkpoint-identity';
import { checkpointFileInput, runCheckpointLoader } from './checkpoint-loader-simple';
import type { VaeModel } from './diffusion-types';
import { listCheckpoints } from './list-checkpoints';
import { vaeConfigOf } from './load-checkpoint';
import { modelGraph } from './model-graphs';

/** Weight files a VAE or config folder may hold (lower case; matched case-insensitively). */
const VAE_EXTENSIONS: readonly string[] = ['.safetensors', '.sft', '.ckpt', '.pt', '.pth', '.bin'];
const CONFIG_EXTENSIONS: readonly string[] = ['.yaml', '.yml'];

const listFiles = (root: string, extensions: readonly string[]) =>
  listFolder(root, {
    acceptFile: (e) =>
      extensions.some((x) => e.name.toLowerCase().endsWith(x)) && (e.isFile() || e.isSymbolicLink()),
    // A diffusers component folder (config.json + weights) is listed as one entry.
    isLeafFolder: (dir) =>
      stat(join(dir, 'config.json')).then(
        (s) => s.isFile(),
        () => false,
      ),
  });

/** `validate` for a combo naming a file under a models subfolder. */
const validateIn =
  (folder: string, input: string, label: string) =>
  async ({
    values,
    env,
  }: {
    values: Record<string, string | undefined>;
    env: { dirs: { models: string } };
  }) => {
    const name = values[input];
    if (name === undefined) return [];
    try {
      await resolveExistingInside(join(env.dirs.models, folder), name, label);
      return [];
    } catch (err) {
      return [{ input, message: errorMessage(err) }];
    }
  };

const CKPT = checkpointFileInput('CheckpointLoader');
const CKPT_LABEL = CKPT.label;
const CONFIG_LABEL = "CheckpointLoader input 'config_name'";

/** ComfyUI's CheckpointLoader: a checkpoint with an explicit LDM config. */
export const CheckpointLoader = defineNode({
  type: 'CheckpointLoader',
  displayName: 'Load Checkpoint With Config (DEPRECATED)',
  category: 'advanced/loaders',
  description:
    'Loads a single-file SD1.x checkpoint with an LDM yaml from models/configs instead of the one beside it (or the SD1.x defaults).',
  inputs: {
    config_name: Input.combo({
      options: ({ env }) => listFiles(join(env.dirs.models, 'configs'), CONFIG_EXTENSIONS),
      tooltip: 'The LDM config, relative to models/configs.',
    }),
    ckpt_name: Input.combo({
      options: ({ env }) => listCheckpoints(join(env.dirs.models, 'checkpoints')),
      tooltip: 'The checkpoint, relative to models/checkpoints.',
    }),
  },
  outputs: [
    { type: 'MODEL', name: 'MODEL', tooltip: 'The UNet.' },
    { type: 'CLIP', name: 'CLIP', tooltip: 'The text encoder.' },
    { type: 'VAE', name: 'VAE', tooltip: 'The autoencoder.' },
  ],
  fingerprint: async ({ values, env }) => {
    if (values.ckpt_name === undefined || values.config_name === undefined) return '';
    const ckpt = await resolveExistingInside(
      join(env.dirs.models, 'checkpoints'),
      values.ckpt_name,
      CKPT_LABEL,
    );
    const config = await resolveExistingInside(
      join(env.dirs.models, 'configs'),
      values.config_name,
      CONFIG_LABEL,
    );
    return `${await checkpointIdentity(ckpt)}|${await checkpointIdentity(config)}`;
  },
  validate: async (args) => [
    ...(await validateIn('checkpoints', 'ckpt_name', CKPT_LABEL)(args)),
    ...(await validateIn('configs', 'config_name', CONFIG_LABEL)(args)),
  ],
  run: async (ctx, { config_name, ckpt_name }) => {
    const configPath = await resolveExistingInside(
      join(ctx.env.dirs.models, 'configs'),
      config_name,
      CONFIG_LABEL,
    );
    const { model, clip, vae } = await runCheckpointLoader(ctx, CKPT, ckpt_name, { configPath });
    return [model, clip, vae];
  },
});

const VAE_LABEL = "VAELoader input 'vae_name'";

/** ComfyUI's VAELoader. */
export const VAELoader = defineNode({
  type: 'VAELoader',
  displayName: 'Load VAE',
  category: 'loaders',
  description:
    'Loads a standalone SD1.x VAE from models/vae (e.g. vae-ft-mse-840000-ema-pruned.safetensors).',
  inputs: {
    vae_name: Input.combo({
      options: ({ env }) => listFiles(join(env.dirs.models, 'vae'), VAE_EXTENSIONS),
      tooltip: 'The VAE file, relative to models/vae.',
    }),
  },
  outputs: [{ type: 'VAE', name: 'VAE', tooltip: 'The autoencoder.' }],
  fingerprint: async ({ values, env }) => {
    if (values.vae_name === undefined) return '';
    return checkpointIdentity(
      await resolveExistingInside(join(env.dirs.models, 'vae'), values.vae_name, VAE_LABEL),
    );
  },
  validate: validateIn('vae', 'vae_name', VAE_LABEL),
  run: async (ctx, { vae_name }) => {
    const path = await resolveExistingInside(join(ctx.env.dirs.models, 'vae'), vae_name, VAE_LABEL);
    try {
      const layout = await resolveCheckpointLayout(path);
      const vae: VaeModel = Object.freeze({
        kind: 'sd1-vae',
        key: `vae:${await checkpointIdentity(path)}`,
        layout,
        config: await vaeConfigOf(layout),
      });
      // Build the decoder now so a wrong file fails here, naming the weight.
      await modelGraph(ctx.env, { kind: 'vae-decoder', handle: vae });
      return [vae];
    } catch (cause) {
      const code = cause instanceof EngineError ? cause.code : 'vae_unreadable';
      throw new EngineError(
        code,
        `${VAE_LABEL}: cannot load '${vae_name}': ${errorMessage(cause)}`,
        { path },
        { cause },
      );
    }
  },
});

/** ComfyUI's CLIPSetLastLayer. */
export const CLIPSetLastLayer = defineNode({
  type: 'CLIPSetLastLayer',
  displayName: 'CLIP Set Last Layer',
  category: 'conditioning',
  description:
    'Stops the text encoder early ("CLIP skip"): -1 uses the last layer, -2 the one before it, ...',
  concurrent: true,
  inputs: {
    clip: Input.link('CLIP', { tooltip: 'The text encoder.' }),
    stop_at_clip_layer: Input.int({
      default: -1,
      min: -24,
      max: -1,
      step: 1,
      tooltip: 'The layer whose output is used.',
    }),
  },
  outputs: [{ type: 'CLIP', name: 'CLIP', tooltip: 'The text encoder stopping at that layer.' }],
  // ComfyUI: past the model's depth the last layer is used.
  run: (_ctx, { clip, stop_at_clip_layer }) => [
    Object.freeze({ ...clip, layer: -stop_at_clip_layer > clip.config.layers ? -1 : stop_at_clip_layer }),
  ],
});
