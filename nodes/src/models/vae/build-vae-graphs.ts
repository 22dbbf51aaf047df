/**
 * @module
 * The two VAE graphs, each with symbolic batch and spatial sizes: the decoder (`latent` -> `sample`)
 * and the encoder (`image` -> posterior `mean`, `std`). Initializer names are the diffusers keys
 * (`decoder.up_blocks.0.resnets.0.conv1.weight`) whatever layout the weights were read from.
 */
import type { Conv3x3Setting, OnnxModel } from '@momaflow/engine';
import { OnnxBuilder } from '@momaflow/engine';
import { type WeightMap, WeightScope } from '../ldm-config';
import type { VaeAttentionKernel } from './vae-attention';
import type { VaeConfig } from './vae-config';
import { vaeDecoder } from './vae-decoder';
import { vaeEncoder } from './vae-encoder';
import type { VaeKernels } from './vae-resnet';

/** Options of the VAE graph builders. */
export interface VaeGraphOptions {
  /** Mid-block attention kernel. Default `'fused'` (onnxruntime MultiHeadAttention). */
  readonly attention?: VaeAttentionKernel;
  /** How resnet 3x3 convs are computed. Default `'auto'` (Winograd at 256+ channels). */
  readonly conv3x3?: Conv3x3Setting;
  /**
   * ONNX opset, 17..23. Default 17. GroupNorm is emitted the same at every opset (see
   * `vae-group-norm.ts`): never GroupNormalization, which onnxruntime 1.30 CPU runs as its expanded
   * function body (profiled on a 32x32 latent with 2 threads: 0.7 s instead of 0.17 s).
   */
  readonly opset?: number;
}

const VAE_DEFAULT_OPSET = 17;

const kernelsOf = (o: VaeGraphOptions): VaeKernels => ({
  attention: o.attention ?? 'fused',
  conv3x3: o.conv3x3 ?? 'auto',
});

/**
 * Graph input / output names of the VAE graphs.
 * @example
 * const out = await session.run({ [VAE_IO.decoder.input]: toOrtTensor(latent) });
 */
export const VAE_IO = {
  decoder: { input: 'latent', output: 'sample' },
  encoder: { input: 'image', mean: 'mean', std: 'std' },
} as const;

/**
 * Decoder graph: `latent` float32 [batch, latentChannels, height, width] (already divided by
 * `config.scalingFactor`) -> `sample` float32 [batch, outChannels, 8 height, 8 width] in about [-1, 1].
 * @throws EngineError `weight_missing` / `weight_shape_mismatch` naming the key and both shapes.
 * @example
 * const { config, weights } = await loadVae('models/checkpoints/sd15.safetensors');
 * const model = buildVaeDecoderGraph(weights, config);
 */
export function buildVaeDecoderGraph(
  weights: WeightMap,
  config: VaeConfig,
  o: VaeGraphOptions = {},
): OnnxModel {
  const b = OnnxBuilder.create({ name: 'vae_decoder', opset: o.opset ?? VAE_DEFAULT_OPSET });
  const latent = b.input(VAE_IO.decoder.input, 'float32', [
    'batch',
    config.latentChannels,
    'height',
    'width',
  ]);
  const sample = vaeDecoder(b, new WeightScope(weights), latent, config, kernelsOf(o));
  b.output(sample, VAE_IO.decoder.output, ['batch', config.outChannels, 'sample_height', 'sample_width']);
  return b.build();
}

/**
 * Encoder graph: `image` float32 [batch, inChannels, height, width] in [-1, 1] -> `mean`, `std`
 * float32 [batch, latentChannels, height / 8, width / 8]. Multiply `mean` (or a sample) by
 * `config.scalingFactor` to get the latent the UNet expects.
 * @example
 * const model = buildVaeEncoderGraph(weights, config);
 */
export function buildVaeEncoderGraph(
  weights: WeightMap,
  config: VaeConfig,
  o: VaeGraphOptions = {},
): OnnxModel {
  const b = OnnxBuilder.create({ name: 'vae_encoder', opset: o.opset ?? VAE_DEFAULT_OPSET });
  const image = b.input(VAE_IO.encoder.input, 'float32', ['batch', config.inChannels, 'height', 'width']);
  const { mean, std } = vaeEncoder(b, new WeightScope(weights), image, config, kernelsOf(o));
  const latentShape = ['batch', config.latentChannels, 'latent_height', 'latent_width'];
  b.output(mean, VAE_IO.encoder.mean, latentShape);
  b.output(std, VAE_IO.encoder.std, latentShape);
  return b.build();
}
