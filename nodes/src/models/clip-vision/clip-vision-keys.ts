/**
 * @module
 * Where a CLIP vision tower's tensors sit in the files people have, mapped to `vision_model.*`:
 * `vision_model.*` (a CLIPVisionModel or full CLIP file), `vision_tower.vision_model.*` (llava-hf,
 * `model.vision_tower...` since transformers 4.52), `model.vision_tower.vision_tower.vision_model.*`
 * (a LLaVA checkpoint that bundles its tower).
 */
import type { WeightSelector } from '../ldm-config';

const VISION = /^(?:(?:model\.)?vision_tower\.(?:vision_tower\.)?)?(vision_model\..+)$/;

/**
 * Selects a vision tower's tensors as `vision_model.*`, optionally only those `accept` passes.
 * @example
 * const tower = await WeightMap.load(reader, clipVisionSelector());
 */
export function clipVisionSelector(accept: (key: string) => boolean = () => true): WeightSelector {
  return (stored) => {
    const m = VISION.exec(stored);
    return m && accept(m[1]!) ? { key: m[1]! } : undefined;
  };
}

/** The canonical (`vision_model.*`) key of a stored key, if it is a tower tensor. */
export function clipVisionKey(stored: string): string | undefined {
  return VISION.exec(stored)?.[1];
}
