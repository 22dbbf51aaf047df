/**
 * @module
 * Runs the VAE graphs on an onnxruntime session (from the engine's `SessionCache`). Tensors are NCHW;
 * images in [-1, 1] (IMAGE sockets are NHWC in [0, 1]: the nodes convert). The latent scale is the
 * caller's: `vaeDecode(session, latent / scalingFactor)`, `mean * scalingFactor` after `vaeEncode`.
 */
import type { SessionLease, Tensor } from '@momaflow/engine';
import { EngineError, fromOrtTensor, toOrtTensor } from '@momaflow/engine';
import { VAE_IO } from './build-vae-graphs';

/** An onnxruntime session, as `SessionLease.session` hands it out. */
type OrtSession = SessionLease['session'];

function requireRank4(t: Tensor<'float32'>, what: string): void {
  if (t.rank !== 4) {
    throw new EngineError(
      'invalid_shape',
      `${what} must be [batch, channels, height, width], got [${t.shape.join(', ')}]`,
    );
  }
}

function output(out: Awaited<ReturnType<OrtSession['run']>>, name: string): Tensor<'float32'> {
  const t = out[name];
  if (t === undefined) throw new EngineError('missing_output', `the VAE session returned no '${name}'`);
  return fromOrtTensor(t, 'float32');
}

/**
 * Decode latents [B, 4, h, w] (already divided by the scaling factor) into images [B, 3, 8h, 8w].
 * @example
 * const z = new Tensor('float32', latent.shape, latent.data.map((v) => v / config.scalingFactor));
 * const image = await vaeDecode(lease.session, z);
 */
export async function vaeDecode(session: OrtSession, latent: Tensor<'float32'>): Promise<Tensor<'float32'>> {
  requireRank4(latent, `'latent'`);
  const out = await session.run({ [VAE_IO.decoder.input]: toOrtTensor(latent) });
  return output(out, VAE_IO.decoder.output);
}

/**
 * Encode images [B, 3, H, W] in [-1, 1] into the posterior's mean and std [B, 4, H/8, W/8] (unscaled).
 * @example
 * const { mean } = await vaeEncode(lease.session, image);
 */
export async function vaeEncode(
  session: OrtSession,
  image: Tensor<'float32'>,
): Promise<{ mean: Tensor<'float32'>; std: Tensor<'float32'> }> {
  requireRank4(image, `'image'`);
  const out = await session.run({ [VAE_IO.encoder.input]: toOrtTensor(image) });
  return { mean: output(out, VAE_IO.encoder.mean), std: output(out, VAE_IO.encoder.std) };
}
