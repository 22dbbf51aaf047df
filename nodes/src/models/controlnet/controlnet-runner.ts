/**
 * @module
 * Runs the ControlNet graphs on onnxruntime sessions (from the engine's `SessionCache`): embed a hint
 * [B, C, H, W] in [0, 1] once, then per UNet call compute the scaled residuals from the same latent
 * input, timestep and text context the UNet gets.
 */
import type { SessionLease } from '@momaflow/engine';
import { EngineError, errorMessage, fromOrtTensor, Tensor, toOrtTensor } from '@momaflow/engine';
import { UNET_STEM_INPUT_NAMES } from '../unet';
import { CONTROLNET_IO } from './controlnet-graph';
import { HINT_EMBEDDING_IO } from './hint-embedding-graph';

/** An onnxruntime session, as `SessionLease.session` hands it out. */
type OrtSession = SessionLease['session'];
type OrtOutputs = Awaited<ReturnType<OrtSession['run']>>;

/** The residuals of one ControlNet call, in the UNet's skip order. */
export interface ControlResiduals {
  readonly down: readonly Tensor<'float32'>[];
  readonly mid: Tensor<'float32'>;
}

/** One ControlNet call. */
export interface ControlNetRunInput {
  /** The UNet's input latents [B, 4, h, w] (already scaled for the sampler's sigma). */
  readonly sample: Tensor<'float32'>;
  /** The UNet's timestep: one for the batch, or one per row. */
  readonly timestep: number | Tensor<'float32'>;
  readonly encoderHiddenStates: Tensor<'float32'>;
  /** `embedHint` output with B rows, at the latent's size. */
  readonly embedding: Tensor<'float32'>;
  /** Strength: every residual is multiplied by it. */
  readonly scale: number;
  /** How many down residuals the graph has (the UNet's skip count). */
  readonly skips: number;
  /** Names the model in errors. */
  readonly origin: string;
}

function output(out: OrtOutputs, name: string, origin: string): Tensor<'float32'> {
  const t = out[name];
  if (t === undefined)
    throw new EngineError('missing_output', `the ControlNet graph of ${origin} returned no '${name}'`);
  return fromOrtTensor(t, 'float32');
}

async function run(session: OrtSession, feeds: Parameters<OrtSession['run']>[0], origin: string) {
  try {
    return await session.run(feeds);
  } catch (cause) {
    throw new EngineError(
      'controlnet_run_failed',
      `the ControlNet ${origin} failed: ${errorMessage(cause)}`,
      { origin },
      { cause },
    );
  }
}

/**
 * Embed hints [B, C, H, W] (pixels in [0, 1]) into [B, c0, H / f, W / f].
 * @example
 * const embedding = await embedHint(hintLease.session, hint, 'models/controlnet/canny.safetensors');
 */
export async function embedHint(
  session: OrtSession,
  hint: Tensor<'float32'>,
  origin: string,
): Promise<Tensor<'float32'>> {
  const out = await run(session, { [HINT_EMBEDDING_IO.hint]: toOrtTensor(hint) }, origin);
  return output(out, HINT_EMBEDDING_IO.embedding, origin);
}

/**
 * The scaled residuals of one call.
 * @example
 * const { down, mid } = await runControlNet(lease.session, { sample, timestep: 999, encoderHiddenStates, embedding, scale: 1, skips: 12, origin });
 */
export async function runControlNet(
  session: OrtSession,
  input: ControlNetRunInput,
): Promise<ControlResiduals> {
  const timestep =
    typeof input.timestep === 'number'
      ? new Tensor('float32', [1], Float32Array.of(input.timestep))
      : input.timestep;
  const out = await run(
    session,
    {
      [UNET_STEM_INPUT_NAMES.sample]: toOrtTensor(input.sample),
      [UNET_STEM_INPUT_NAMES.timestep]: toOrtTensor(timestep),
      [UNET_STEM_INPUT_NAMES.encoderHiddenStates]: toOrtTensor(input.encoderHiddenStates),
      [CONTROLNET_IO.embedding]: toOrtTensor(input.embedding),
      [CONTROLNET_IO.scale]: toOrtTensor(new Tensor('float32', [1], Float32Array.of(input.scale))),
    },
    input.origin,
  );
  const down = Array.from({ length: input.skips }, (_, i) =>
    output(out, CONTROLNET_IO.down(i), input.origin),
  );
  return { down, mid: output(out, CONTROLNET_IO.mid, input.origin) };
}
