/**
 * @module
 * MLLMAdapter: MoMA's image-prompt tokens from a reference image. The subject cut out on white (the
 * Segment node's output) is preprocessed as LLaVA does, MoMA's prompt ("A photo of a {subject}.
 * Describe a new image of the same {subject} in: {prompt}.") is tokenized around the image, one LLaVA
 * prefill pass reads both, and the adapter's mapping MLP and ImageProjModel turn the last token's
 * hidden state into the cond tokens (uncond: the same head on zeros). The executor caches the
 * result by its inputs, so an unchanged image, subject and prompt never run the MLLM again.
 */
import { defineNode, EngineError, Input, type NodeContext, Tensor } from '@momaflow/engine';
import { type Image8, requireImage, toImage8, toRgb8 } from '../image';
import { type LlavaModel, llavaPixelValues, llavaPrefill, splitAtImage } from '../models/llava';
import type { MomaAdapter } from '../models/moma-adapter';
import { loadLlamaTokenizer } from '../models/tokenizers/sentencepiece';
import { imagePromptTokens } from './image-prompt-head';
import { LLAVA_GRAPHS, MLLM_SESSIONS, MLLM_TOKENIZERS } from './mllm-resources';
import { momaLlavaPrompt } from './moma-prompt';

const LABEL = 'MLLMAdapter';

function checkAdapter(mllm: LlavaModel, adapter: MomaAdapter): void {
  const hidden = mllm.checkpoint.config.llama.hiddenSize;
  if (adapter.llmMapping.inFeatures !== hidden) {
    throw new EngineError(
      'adapter_mismatch',
      `${LABEL}: the adapter ${adapter.path} maps ${adapter.llmMapping.inFeatures}-wide LLM states, but ${mllm.checkpoint.dir} has ${hidden}`,
      { input: 'moma_adapter' },
    );
  }
}

/** The last token's hidden state of one image's prefill, [1, hidden]. */
async function lastTokenState(
  ctx: NodeContext,
  mllm: LlavaModel,
  rgb: Image8,
  ids: ReturnType<typeof splitAtImage>,
  onStep: (done: number, total: number) => void,
): Promise<Float32Array> {
  const compiled = await ctx.env.resource(LLAVA_GRAPHS).compile(mllm, { signal: ctx.signal });
  const pixelValues = llavaPixelValues(rgb, {
    processor: mllm.tower.processor,
    pad: mllm.checkpoint.config.imageAspectRatio === 'pad',
  });
  const { lastHiddenState } = await llavaPrefill(
    { pixelValues, ids },
    { compiled, sessions: ctx.env.resource(MLLM_SESSIONS), signal: ctx.signal, onStep },
  );
  const [, tokens = 0, hidden = 0] = lastHiddenState.shape;
  return lastHiddenState.data.slice((tokens - 1) * hidden, tokens * hidden);
}

/** LLaVA reads the reference image; MoMA's head turns its reading into image-prompt tokens. */
export const MLLMAdapter = defineNode({
  type: 'MLLMAdapter',
  displayName: 'MoMA MLLM Adapter',
  category: 'moma',
  description:
    "Runs MoMA's LLaVA on the reference subject (cut out on white) with the subject word and the target prompt, and turns its last hidden state into MoMA's image-prompt tokens (cond and uncond).",
  inputs: {
    mllm: Input.link('MLLM', { tooltip: 'The LLaVA model (MLLMLoader).' }),
    moma_adapter: Input.link('MOMA_ADAPTER', { tooltip: "MoMA's adapter file (MoMAAdapterLoader)." }),
    image: Input.link('IMAGE', { tooltip: 'The reference subject on a white background.' }),
    subject: Input.string({ default: '', tooltip: "The subject's word, as in the prompt (e.g. 'cat')." }),
    prompt: Input.string({ default: '', multiline: true, tooltip: 'What to make of the subject.' }),
  },
  outputs: [{ type: 'IMAGE_PROMPT', name: 'IMAGE_PROMPT', tooltip: "MoMA's image-prompt tokens." }],
  validate: ({ values }) =>
    values.subject !== undefined && values.subject.trim() === ''
      ? [
          {
            input: 'subject',
            message: `${LABEL} input 'subject' is empty; give the subject's word (e.g. 'cat')`,
          },
        ]
      : [],
  run: async (ctx, { mllm, moma_adapter, image, subject, prompt }) => {
    const text = (() => {
      try {
        return momaLlavaPrompt(subject, prompt);
      } catch (cause) {
        if (cause instanceof EngineError)
          throw new EngineError(cause.code, `${LABEL} input ${cause.message}`, cause.details, { cause });
        throw cause;
      }
    })();
    checkAdapter(mllm, moma_adapter);
    const images = requireImage(image, `${LABEL} input 'image'`);
    const path = mllm.checkpoint.tokenizerPath;
    const llama = await ctx.env.resource(MLLM_TOKENIZERS).get(path, () => loadLlamaTokenizer(path));
    const ids = splitAtImage(llama.tokenizeWithImageToken(text));
    const batch = images.shape[0]!;
    const hidden = mllm.checkpoint.config.llama.hiddenSize;
    const states = new Tensor('float32', [batch, hidden], new Float32Array(batch * hidden));
    for (let n = 0; n < batch; n++) {
      const onStep = (done: number, total: number) => ctx.progress(n * total + done, batch * total);
      states.data.set(await lastTokenState(ctx, mllm, toRgb8(toImage8(images, n)), ids, onStep), n * hidden);
    }
    const { cond, uncond } = await imagePromptTokens(ctx.env, moma_adapter, states);
    return [{ cond, uncond }];
  },
});
