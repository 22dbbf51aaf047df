/**
 * @module
 * ReferenceAttention: reference self-attention on a MODEL (MoMA's self path; reference-only and
 * InstantFamily-style methods): the reference image's self-attention keys and values, captured by a
 * UNet pass at t = 0 with the given context, are attended to by every self-attention layer while
 * sampling, inside the reference mask, optionally through an adapter's `to_k_ip` / `to_v_ip`.
 */
import { defineNode, EngineError, Input, tensorsDigest } from '@momaflow/engine';
import { SD15_LATENT_SCALE } from '../diffusion/sample-latent';
import { withPatch } from '../models/unet';
import { torchRandn } from '../samplers';
import { loadAttentionAdapter } from './attention-adapter';
import { fittedEntries } from './decoupled-weights';
import { INJECTION_INPUTS, injectionMaskFrom, injectionRange } from './injection-inputs';
import { uniquePatchId } from './patch-lookup';
import { referenceAttentionPatch } from './reference-attention-patch';
import { REFERENCE_SIZE, referenceInputs } from './reference-image';
import { referenceLatent, referenceSample } from './reference-latent';

const NODE = 'ReferenceAttention';

/** The reference pass runs at this timestep with noise from this seed: one reference, one result. */
const REFERENCE = { timestep: 0, seed: 0 } as const;

/** Reference self-attention injection. */
export const ReferenceAttention = defineNode({
  type: NODE,
  displayName: 'Reference Attention',
  category: 'attention',
  description:
    "Injects a reference image's appearance: its self-attention keys and values, captured by one UNet pass when sampling starts, are attended to by every self-attention layer of the model.",
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The model to patch.' }),
    vae: Input.link('VAE', { tooltip: 'Encodes the reference image.' }),
    reference_image: Input.link('IMAGE', { tooltip: 'The reference image (the first of a batch).' }),
    context: Input.link('CONDITIONING', {
      tooltip: "The text the reference pass runs with, e.g. the subject's word encoded.",
    }),
    reference_mask: Input.link('MASK', {
      optional: true,
      tooltip: 'The part of the reference to inject (1 = keep); the whole image when absent.',
    }),
    attention_adapter: Input.link('ATTENTION_ADAPTER', {
      optional: true,
      tooltip: 'Projections of the captured keys and values (MoMA); raw keys and values without.',
    }),
    reference_size: Input.int({
      ...REFERENCE_SIZE,
      tooltip: 'The reference image is resized to this square size first; 0 keeps its size.',
    }),
    strength: Input.float({ default: 1, min: 0, max: 4, step: 0.05, tooltip: 'Weight of the injection.' }),
    ...INJECTION_INPUTS,
  },
  outputs: [{ type: 'MODEL', name: 'MODEL', tooltip: 'The patched model.' }],
  run: async (ctx, i) => {
    const label = (input: string) => `${NODE} input '${input}'`;
    const { image: first, mask: aligned } = referenceInputs({
      node: NODE,
      image: i.reference_image,
      mask: i.reference_mask,
      size: i.reference_size,
      log: ctx.log,
    });
    if (aligned?.empty === true) {
      ctx.log.warn(
        `${NODE}: the reference mask is empty, so nothing is injected; the model is returned unpatched`,
      );
      return [i.model];
    }
    const context = i.context[0]?.context;
    if (context === undefined || context.shape[0] !== 1) {
      throw new EngineError('invalid_conditioning', `${label('context')}: give one prompt of one row`);
    }
    const latent = await referenceLatent(ctx.env, i.vae, first, label('reference_image'), ctx.signal);
    const sample = referenceSample({
      latent,
      noise: torchRandn({ seed: REFERENCE.seed, shape: latent.shape }),
      timestep: REFERENCE.timestep,
      latentScale: SD15_LATENT_SCALE,
    });
    const points = i.model.hookPoints.filter((p) => p.kind === 'self');
    const adapter =
      i.attention_adapter === undefined
        ? undefined
        : fittedEntries(await loadAttentionAdapter(ctx.env, i.attention_adapter), points, 'self', {
            source: i.attention_adapter.path,
            needsScale: false,
          });
    const patch = referenceAttentionPatch({
      id: uniquePatchId(i.model, 'reference'),
      points,
      ...(adapter === undefined ? {} : { adapter }),
      reference: {
        sample,
        timestep: REFERENCE.timestep,
        context,
        key: tensorsDigest([
          ['sample', sample],
          ['context', context],
        ]),
      },
      ...(aligned === undefined ? {} : { referenceMask: aligned.mask }),
      strength: i.strength,
      mask: injectionMaskFrom({ node: NODE, model: i.model, source: i.mask_source, mask: i.mask }),
      range: injectionRange(NODE, i.start_at, i.end_at),
    });
    return [withPatch(i.model, patch)];
  },
});
