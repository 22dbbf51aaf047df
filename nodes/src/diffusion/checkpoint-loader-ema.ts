/**
 * @module
 * CheckpointLoaderEMA: CheckpointLoaderSimple with a choice of UNet weights for training checkpoints
 * (DreamBooth and other fine-tunes published as `.ckpt`), which hold the raw weights under
 * `model.diffusion_model.*` and their exponential moving average under `model_ema.*`. The EMA copy is
 * usually the better one to sample from (diffusers' converter offers it as `extract_ema`); a file
 * without one loads its UNet weights, with a note in the log.
 */
import { defineNode, Input } from '@momaflow/engine';
import { CHECKPOINT_OUTPUTS, checkpointFileInput, runCheckpointLoader } from './checkpoint-loader-simple';

const CKPT = checkpointFileInput('CheckpointLoaderEMA');

/** A checkpoint loader that can read the UNet's EMA weights. */
export const CheckpointLoaderEMA = defineNode({
  type: 'CheckpointLoaderEMA',
  displayName: 'Load Checkpoint (EMA weights)',
  category: 'loaders',
  description:
    "Loads a Stable Diffusion 1.x checkpoint like Load Checkpoint, reading the UNet from the file's EMA copy (model_ema.*) when asked and present, as training checkpoints (DreamBooth .ckpt files) carry it.",
  inputs: {
    ckpt_name: CKPT.combo,
    unet_weights: Input.combo({
      options: ['ema', 'non-ema'],
      default: 'ema',
      tooltip:
        "'ema' reads the UNet from model_ema.* when the file has it (else its plain weights); 'non-ema' always reads model.diffusion_model.*.",
    }),
  },
  outputs: CHECKPOINT_OUTPUTS,
  ...CKPT.hooks,
  run: async (ctx, { ckpt_name, unet_weights }) => {
    const { model, clip, vae } = await runCheckpointLoader(ctx, CKPT, ckpt_name, {
      preferEma: unet_weights === 'ema',
    });
    return [model, clip, vae];
  },
});
