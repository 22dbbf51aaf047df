/**
 * @module
 * The values the diffusion sockets carry, registered on the engine's `SocketTypes`. MODEL, CLIP and
 * VAE are small immutable handles: what to load and its content key. Weights, built graphs and
 * onnxruntime sessions live in the environment's resource caches under those keys (see
 * `diffusion-resources.ts`), so a cached loader output costs nothing and re-runs reuse sessions.
 */
import type { Tensor } from '@momaflow/engine';
import type { ControlApplication } from '../controlnet/control-types';
import type { ClipTextConfig, ClipTextLayer } from '../models/clip-text';
import type { AddedToken } from '../models/embeddings';
import type { CheckpointLayout, WeightPatch } from '../models/ldm-config';
import type { UnetModel } from '../models/unet';
import type { VaeConfig } from '../models/vae';

/** Where a CLIP's BPE vocabulary comes from: the one bundled with momaflow, or a diffusers `tokenizer/`. */
export type ClipTokenizerSource =
  | { readonly kind: 'bundled' }
  | { readonly kind: 'folder'; readonly path: string };

/** The CLIP socket: an SD1.x text encoder and its tokenizer. */
export interface ClipModel {
  readonly kind: 'sd1-clip';
  /** Content key of the weights (file identity and weight patches), shared by every graph built from them. */
  readonly key: string;
  readonly layout: CheckpointLayout;
  readonly config: ClipTextConfig;
  readonly tokenizer: ClipTokenizerSource;
  /** Hidden state handed to the UNet (ComfyUI's stop_at_clip_layer): SD1.x uses the last layer's, -1. */
  readonly layer: ClipTextLayer;
  /** Patches on the text encoder's weights (LoRA), applied in order; their strengths are fed per run. */
  readonly weightPatches?: readonly WeightPatch[];
  /** Tokens added to the vocabulary (Custom Diffusion's modifier tokens), matched in prompts before BPE. */
  readonly addedTokens?: readonly AddedToken[];
}

/** The VAE socket: an SD1.x KL-f8 autoencoder. */
export interface VaeModel {
  readonly kind: 'sd1-vae';
  readonly key: string;
  readonly layout: CheckpointLayout;
  readonly config: VaeConfig;
}

/** A rectangle of the latent, in latent pixels (ComfyUI's area tuple (h, w, y, x) of pixel // 8). */
export interface LatentArea {
  readonly height: number;
  readonly width: number;
  readonly y: number;
  readonly x: number;
}

/**
 * One prompt's encoding: `context` [1 or batch, tokens, dim], the UNet's `encoder_hidden_states`, and
 * where and how strongly it applies (ComfyUI's ConditioningSetArea / SetMask keys); an entry without
 * them applies everywhere with weight 1.
 */
export interface ConditioningEntry {
  readonly context: Tensor<'float32'>;
  /** The prompt's token ids, one per context position, when a text encoder made it (to find words). */
  readonly tokenIds?: Int32Array;
  /** The part of the latent the entry is evaluated on (`area`). */
  readonly area?: LatentArea;
  /** Weight of the entry's prediction against the others (`strength`, default 1). */
  readonly strength?: number;
  /** [N, H, W] at any resolution: the entry's weight per latent pixel (`mask`). */
  readonly mask?: Tensor<'float32'>;
  /** Factor on the mask (`mask_strength`, default 1). */
  readonly maskStrength?: number;
  /** Evaluate only the mask's bounding box (`set_area_to_bounds`, ConditioningSetMask "mask bounds"). */
  readonly setAreaToBounds?: boolean;
  /** The ControlNet(s) steering this entry (Apply ControlNet), as ComfyUI's `control`. */
  readonly control?: ControlApplication;
}

/** The CONDITIONING socket: one or more entries; a sampler averages their predictions, as ComfyUI. */
export type Conditioning = readonly ConditioningEntry[];

/**
 * The LATENT socket, ComfyUI's `{"samples": tensor}`: [batch, 4, height / 8, width / 8] in the VAE's
 * own space (unscaled); samplers multiply by the model's scale factor on the way in and divide on
 * the way out, and VAEDecode takes it as it is.
 */
export interface Latent {
  readonly samples: Tensor<'float32'>;
  /**
   * Masks per latent [batch, 1, h, w] the model's patches generated while sampling it (MoMA's
   * generated-subject mask), by patch id.
   */
  readonly masks?: Readonly<Record<string, Tensor<'float32'>>>;
  /**
   * ComfyUI's `noise_mask`: [N, 1, H, W] at any resolution, 1 where the sampler may change the latent
   * and 0 where it keeps it (inpainting); samplers resize it to the latent.
   */
  readonly noiseMask?: Tensor<'float32'>;
  /**
   * ComfyUI's `batch_index`: which entries of an original batch these are, so a sampler gives each the
   * noise it had in that batch (LatentFromBatch, RepeatLatentBatch).
   */
  readonly batchIndex?: readonly number[];
}

/**
 * The IMAGE_PROMPT socket: image-prompt tokens for decoupled cross-attention (MoMA's MLLM adapter,
 * IP-Adapter's image projection), for the guided (cond) and unguided (uncond) passes. Both are
 * [batch, tokens, dim] with `dim` the UNet's cross-attention width; batch 1 applies to every latent.
 */
export interface ImagePrompt {
  readonly cond: Tensor<'float32'>;
  readonly uncond: Tensor<'float32'>;
}

declare module '@momaflow/engine' {
  interface SocketTypes {
    MODEL: UnetModel;
    CLIP: ClipModel;
    VAE: VaeModel;
    CONDITIONING: Conditioning;
    LATENT: Latent;
    IMAGE_PROMPT: ImagePrompt;
  }
}
