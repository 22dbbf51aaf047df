/**
 * @module
 * The hint preprocessors as nodes: each turns an IMAGE into a hint IMAGE (white lines on black) that
 * can be previewed, saved or fed to Apply ControlNet. `Canny` keeps ComfyUI's name, inputs and ranges.
 */
import { defineNode, EngineError, Input } from '@momaflow/engine';
import { requireImage } from '../../image/tensor-checks';
import { cannyEdges } from './canny';
import { grayPlane, planesToImage } from './planes';
import { scribbleXdog } from './scribble-xdog';

const imagesOf = (count: number) => Array.from({ length: count }, (_, n) => n);

/** ComfyUI's Canny node (comfy_extras/nodes_canny.py). */
export const Canny = defineNode({
  type: 'Canny',
  displayName: 'Canny',
  category: 'image/preprocessors',
  description:
    'Canny edge detection, as a hint for a canny ControlNet: edges are gradients above the high threshold, plus weaker ones connected to them above the low threshold.',
  concurrent: true,
  inputs: {
    image: Input.link('IMAGE'),
    low_threshold: Input.float({
      default: 0.4,
      min: 0.01,
      max: 0.99,
      step: 0.01,
      tooltip: 'Gradients above this are kept when they connect to strong edges.',
    }),
    high_threshold: Input.float({
      default: 0.8,
      min: 0.01,
      max: 0.99,
      step: 0.01,
      tooltip: 'Gradients above this are always edges.',
    }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'White edges on black.' }],
  run: (_ctx, i) => {
    const image = requireImage(i.image, "Canny input 'image'");
    if (i.low_threshold > i.high_threshold) {
      throw new EngineError(
        'invalid_input',
        `Canny: 'low_threshold' (${i.low_threshold}) must not exceed 'high_threshold' (${i.high_threshold})`,
      );
    }
    const edges = imagesOf(image.shape[0] ?? 0).map((n) =>
      cannyEdges(grayPlane(image, n), { low: i.low_threshold, high: i.high_threshold }),
    );
    return [planesToImage(edges)];
  },
});

/** XDoG scribbles (ControlNet 1.1's `scribble_xdog`). */
export const ScribbleXDoG = defineNode({
  type: 'ScribbleXDoG',
  displayName: 'Scribble Lines (XDoG)',
  category: 'image/preprocessors',
  description:
    "Scribble-like lines from a difference of Gaussians, as ControlNet 1.1's scribble_xdog preprocessor draws them: a hint for scribble and lineart ControlNets. Lower thresholds draw more lines.",
  concurrent: true,
  inputs: {
    image: Input.link('IMAGE'),
    threshold: Input.int({
      default: 32,
      min: 1,
      max: 64,
      step: 1,
      tooltip: 'How dark (0..255) a line must be; lower draws more lines.',
    }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'White lines on black.' }],
  run: (_ctx, i) => {
    const image = requireImage(i.image, "ScribbleXDoG input 'image'");
    const lines = imagesOf(image.shape[0] ?? 0).map((n) =>
      scribbleXdog(image, n, { threshold: i.threshold }),
    );
    return [planesToImage(lines)];
  },
});
