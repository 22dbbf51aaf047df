/**
 * @module
 * One LLaVA prefill pass over compiled graphs: the vision graph on the pixel values, then each
 * language stage in turn, the first splicing the image features between the prompt's tokens. There
 * is no generation: MoMA reads the final hidden states. Sessions come from (and go back to) a
 * `SessionCache`; the signal is checked and progress reported between graphs.
 */
import type { SessionCache, Tensor } from '@momaflow/engine';
import {
  EngineError,
  Tensor as EngineTensor,
  errorMessage,
  fromOrtTensor,
  toOrtTensor,
} from '@momaflow/engine';
import type { CompiledLlava } from './llava-graph-cache';
import { LLAVA_LANGUAGE_IO } from './llava-language-graph';
import type { LlavaPromptIds } from './llava-prompt';
import { LLAVA_VISION_IO } from './llava-vision-graph';

type OrtTensor = ReturnType<typeof toOrtTensor>;

/** What the prefill reads. */
export interface LlavaPrefillInput {
  /** [1, 3, S, S], already CLIP-normalised. */
  readonly pixelValues: Tensor<'float32'>;
  readonly ids: LlavaPromptIds;
}

/** What it returns. */
export interface LlavaPrefillResult {
  /** The tower features LLaVA selects, [1, patches, width]. */
  readonly visionFeatures: Tensor<'float32'>;
  /** After the final RMSNorm, [1, tokens, hidden]. */
  readonly lastHiddenState: Tensor<'float32'>;
}

/** Options of `llavaPrefill`. */
export interface LlavaPrefillOptions {
  readonly compiled: CompiledLlava;
  readonly sessions: SessionCache;
  readonly signal?: AbortSignal;
  /** Called after each graph with the graphs done and their count. */
  readonly onStep?: (done: number, total: number) => void;
}

function ids(values: readonly number[]): EngineTensor<'int64'> {
  return new EngineTensor(
    'int64',
    [1, values.length],
    BigInt64Array.from(values, (v) => BigInt(v)),
  );
}

async function run(
  sessions: SessionCache,
  source: CompiledLlava['vision'],
  feeds: Record<string, OrtTensor>,
  part: string,
): Promise<Record<string, OrtTensor>> {
  const lease = await sessions.acquire(source);
  try {
    return await lease.session.run(feeds);
  } catch (cause) {
    throw new EngineError(
      'mllm_run_failed',
      `the LLaVA ${part} graph failed: ${errorMessage(cause)}`,
      { part },
      { cause },
    );
  } finally {
    lease.release();
  }
}

function output(out: Record<string, OrtTensor>, name: string, part: string): Tensor<'float32'> {
  const t = out[name];
  if (t === undefined)
    throw new EngineError('missing_output', `the LLaVA ${part} graph returned no '${name}'`);
  return fromOrtTensor(t, 'float32');
}

/**
 * Run the prefill.
 * @example
 * const { lastHiddenState } = await llavaPrefill({ pixelValues, ids }, { compiled, sessions, onStep });
 */
export async function llavaPrefill(
  input: LlavaPrefillInput,
  o: LlavaPrefillOptions,
): Promise<LlavaPrefillResult> {
  const total = 1 + o.compiled.stages.length;
  const vision = await run(
    o.sessions,
    o.compiled.vision,
    { [LLAVA_VISION_IO.pixelValues]: toOrtTensor(input.pixelValues) },
    'vision',
  );
  const visionFeatures = output(vision, LLAVA_VISION_IO.visionFeatures, 'vision');
  let hidden = vision[LLAVA_VISION_IO.imageFeatures];
  o.onStep?.(1, total);
  for (const [k, stage] of o.compiled.stages.entries()) {
    o.signal?.throwIfAborted();
    const part = `layers ${stage.layers[0]}-${stage.layers[1] - 1}`;
    const feeds: Record<string, OrtTensor> =
      k === 0
        ? {
            [LLAVA_LANGUAGE_IO.idsBefore]: toOrtTensor(ids(input.ids.before)),
            [LLAVA_LANGUAGE_IO.idsAfter]: toOrtTensor(ids(input.ids.after)),
            [LLAVA_LANGUAGE_IO.imageFeatures]: hidden!,
          }
        : { [LLAVA_LANGUAGE_IO.hiddenIn]: hidden! };
    const out = await run(o.sessions, stage.source, feeds, part);
    hidden = out[k === o.compiled.stages.length - 1 ? LLAVA_LANGUAGE_IO.last : LLAVA_LANGUAGE_IO.hidden];
    if (hidden === undefined)
      throw new EngineError('missing_output', `the LLaVA ${part} graph returned no hidden states`);
    o.onStep?.(k + 2, total);
  }
  return { visionFeatures, lastHiddenState: fromOrtTensor(hidden!, 'float32') };
}
