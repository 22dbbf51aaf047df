/**
 * @module
 * A planned LoRA applied to MODEL and CLIP handles: each component with modules in the file gets the
 * LoRA as a weight patch with its own strength input, so stacked LoRAs (a loader after a loader) keep
 * separate strengths and changing one strength reuses the compiled graphs. The handles passed in are
 * left untouched, as ComfyUI's `ModelPatcher.clone()` does.
 */
import type { ClipModel } from '../diffusion/diffusion-types';
import { patchedKey, type WeightPatch } from '../models/ldm-config';
import { type LoraComponent, type LoraPlan, loraPatch } from '../models/lora';
import { type UnetModel, withWeightPatch } from '../models/unet';

/** What to apply. */
export interface ApplyLoraOptions {
  readonly plan: LoraPlan;
  /** The file's identity (see `checkpointIdentity`). */
  readonly fileId: string;
  readonly model: UnetModel;
  readonly strengthModel: number;
  /** Absent for a model-only loader. */
  readonly clip?: ClipModel;
  readonly strengthClip?: number;
}

/** `lora_<n>.strength` with the first n not taken by an input of the component already. */
function strengthInput(taken: readonly string[]): string {
  let n = taken.length;
  while (taken.includes(`lora_${n}.strength`)) n++;
  return `lora_${n}.strength`;
}

function patchFor(o: ApplyLoraOptions, component: LoraComponent, taken: readonly string[], strength: number) {
  return loraPatch({ plan: o.plan, fileId: o.fileId, component, strength, input: strengthInput(taken) });
}

/** A CLIP handle with `patch` after its other weight patches (a new key, so new graphs). */
function patchedClip(clip: ClipModel, patch: WeightPatch): ClipModel {
  const weightPatches = Object.freeze([...(clip.weightPatches ?? []), patch]);
  return Object.freeze({ ...clip, key: patchedKey(clip.key, [patch]), weightPatches });
}

/**
 * The handles with the LoRA applied (a component the LoRA does not touch is returned as it was).
 * @example
 * const { model, clip } = applyLora({ plan, fileId, model: m, clip: c, strengthModel: 1, strengthClip: 1 });
 */
export function applyLora(o: ApplyLoraOptions): { model: UnetModel; clip: ClipModel | undefined } {
  const unet = patchFor(o, 'unet', Object.keys(o.model.weights.inputs ?? {}), o.strengthModel);
  const clipInputs = (o.clip?.weightPatches ?? []).flatMap((p) => Object.keys(p.inputs));
  const text = o.clip === undefined ? undefined : patchFor(o, 'clip', clipInputs, o.strengthClip ?? 1);
  return {
    model: unet === undefined ? o.model : withWeightPatch(o.model, unet),
    clip: o.clip === undefined || text === undefined ? o.clip : patchedClip(o.clip, text),
  };
}
