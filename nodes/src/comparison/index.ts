/**
 * @module
 * Side-by-side comparison of results (MoMA against IP-Adapter and LoRA on one prompt and seed):
 * ImageComparison.
 */
export { ImageComparison } from './image-comparison';
export type { LabelStrip } from './label-strip';
export { labelStrip } from './label-strip';
