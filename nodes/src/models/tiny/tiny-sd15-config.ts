/**
 * @module
 * The shapes of momaflow's tiny default SD1.5-architecture model, as the LDM yaml that sits beside the
 * single-file checkpoint (the A1111 / ComfyUI convention for non-standard checkpoints, also used by
 * the reference fixtures' `tiny-sd.yaml`). The same parameter objects drive the weight shapes, so the
 * yaml and the weights cannot disagree.
 *
 * Sized to run a 512x512 txt2img in seconds on two CPU cores: the UNet has SD1.5's blocks (ResNets,
 * spatial transformers with self- and cross-attention, GEGLU, skip connections) at 32/64 channels
 * with one ResNet per level and 4 heads, and keeps attention off the full latent resolution, where
 * 4096-token self-attention would dominate the step (measured: 8 to 10 times the step time).
 * The VAE has SD's four levels and mid-block attention with one ResNet per level.
 */
import { stringify } from 'yaml';

/** ldm `openaimodel.UNetModel` arguments (the subset SD1.x uses). */
export interface LdmUnetShape {
  readonly image_size: number;
  readonly in_channels: number;
  readonly out_channels: number;
  readonly model_channels: number;
  /** Downsampling factors (1 = full latent resolution) whose levels get spatial transformers. */
  readonly attention_resolutions: readonly number[];
  readonly num_res_blocks: number;
  readonly channel_mult: readonly number[];
  readonly num_heads: number;
  readonly use_spatial_transformer: true;
  readonly transformer_depth: number;
  readonly context_dim: number;
  readonly legacy: false;
}

/** ldm `AutoencoderKL` arguments. */
export interface LdmVaeShape {
  readonly embed_dim: number;
  readonly ddconfig: {
    readonly double_z: true;
    readonly z_channels: number;
    readonly resolution: number;
    readonly in_channels: number;
    readonly out_ch: number;
    readonly ch: number;
    readonly ch_mult: readonly number[];
    readonly num_res_blocks: number;
    readonly attn_resolutions: readonly number[];
    readonly dropout: number;
  };
}

/** HF `CLIPTextConfig` fields of the text encoder (not in original LDM yamls; see tiny-sd.yaml). */
export interface LdmClipTextShape {
  readonly hidden_size: number;
  readonly num_attention_heads: number;
  readonly num_hidden_layers: number;
  readonly intermediate_size: number;
  readonly max_position_embeddings: number;
  /** CLIP's BPE vocabulary size, so the real tokenizer's ids index the embedding table. */
  readonly vocab_size: number;
  readonly hidden_act: 'quick_gelu';
}

/** The three stages of one LDM checkpoint. */
export interface LdmCheckpointShape {
  readonly unet: LdmUnetShape;
  readonly vae: LdmVaeShape;
  readonly clip: LdmClipTextShape;
}

/**
 * The tiny model: SD1.5's key layout and block structure, about 10 MB in fp16.
 * @example
 * ldmUnetShapes(TINY_SD15_SHAPE.unet).get('out.2.weight'); // [4, 32, 3, 3]
 */
export const TINY_SD15_SHAPE: LdmCheckpointShape = Object.freeze<LdmCheckpointShape>({
  unet: {
    image_size: 64,
    in_channels: 4,
    out_channels: 4,
    model_channels: 32,
    attention_resolutions: [2, 4],
    num_res_blocks: 1,
    channel_mult: [1, 2, 2],
    num_heads: 4,
    use_spatial_transformer: true,
    transformer_depth: 1,
    context_dim: 32,
    legacy: false,
  },
  vae: {
    embed_dim: 4,
    ddconfig: {
      double_z: true,
      z_channels: 4,
      resolution: 512,
      in_channels: 3,
      out_ch: 3,
      // The VAE's GroupNorm has 32 groups, so 32 channels is the narrowest level it allows.
      ch: 32,
      ch_mult: [1, 1, 2, 2],
      num_res_blocks: 1,
      attn_resolutions: [],
      dropout: 0,
    },
  },
  clip: {
    hidden_size: 32,
    num_attention_heads: 4,
    num_hidden_layers: 2,
    intermediate_size: 128,
    max_position_embeddings: 77,
    vocab_size: 49408,
    hidden_act: 'quick_gelu',
  },
});

/**
 * Real SD1.5's shapes (v1-inference.yaml, CLIP ViT-L/14 text tower): what full-size random-weight
 * benchmarks write, and the reference the shape tables are tested against.
 * @example
 * ldmUnetShapes(SD15_SHAPE.unet).size; // 686 tensors, as in v1-5-pruned-emaonly.safetensors
 */
export const SD15_SHAPE: LdmCheckpointShape = Object.freeze<LdmCheckpointShape>({
  unet: {
    image_size: 64,
    in_channels: 4,
    out_channels: 4,
    model_channels: 320,
    attention_resolutions: [4, 2, 1],
    num_res_blocks: 2,
    channel_mult: [1, 2, 4, 4],
    num_heads: 8,
    use_spatial_transformer: true,
    transformer_depth: 1,
    context_dim: 768,
    legacy: false,
  },
  vae: {
    embed_dim: 4,
    ddconfig: {
      double_z: true,
      z_channels: 4,
      resolution: 256,
      in_channels: 3,
      out_ch: 3,
      ch: 128,
      ch_mult: [1, 2, 4, 4],
      num_res_blocks: 2,
      attn_resolutions: [],
      dropout: 0,
    },
  },
  clip: {
    hidden_size: 768,
    num_attention_heads: 12,
    num_hidden_layers: 12,
    intermediate_size: 3072,
    max_position_embeddings: 77,
    vocab_size: 49408,
    hidden_act: 'quick_gelu',
  },
});

const HEADER = `# LDM config of momaflow-tiny-sd15.safetensors, written by \`momaflow models make-tiny\`.
# A tiny model with SD1.5's architecture and key layout and RANDOM weights (seeded, deterministic):
# it exercises every part of the pipeline in seconds but draws no meaningful pictures. Put a real
# SD1.5 checkpoint beside it for real images. cond_stage_config.params gives the tiny text encoder's
# shape (real SD1.x files have no yaml and use CLIP ViT-L/14).
`;

/**
 * The yaml text for a checkpoint of `shape` (SD1.x schedule: scaled_linear 0.00085..0.012, eps).
 * @example
 * await writeFile('models/checkpoints/momaflow-tiny-sd15.yaml', ldmYamlText(TINY_SD15_SHAPE));
 */
export function ldmYamlText(shape: LdmCheckpointShape): string {
  const doc = {
    model: {
      target: 'ldm.models.diffusion.ddpm.LatentDiffusion',
      params: {
        linear_start: 0.00085,
        linear_end: 0.012,
        timesteps: 1000,
        scale_factor: 0.18215,
        parameterization: 'eps',
        unet_config: { target: 'ldm.modules.diffusionmodules.openaimodel.UNetModel', params: shape.unet },
        first_stage_config: { target: 'ldm.models.autoencoder.AutoencoderKL', params: shape.vae },
        cond_stage_config: { target: 'ldm.modules.encoders.modules.FrozenCLIPEmbedder', params: shape.clip },
      },
    },
  };
  return HEADER + stringify(doc, { flowCollectionPadding: false });
}
