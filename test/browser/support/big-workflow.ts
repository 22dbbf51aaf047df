/**
 * @module
 * A large workflow for the performance test: chains of five image and mask nodes
 * (LoadImage -> ImageScale -> ImageToMask -> InvertMask -> MaskToImage) laid out in a grid.
 */

const CHAIN = [
  { class_type: 'LoadImage', inputs: { image: 'example.png' } },
  {
    class_type: 'ImageScale',
    inputs: { upscale_method: 'bilinear', width: 64, height: 0, crop: 'disabled' },
    link: 'image',
    from: 0,
  },
  { class_type: 'ImageToMask', inputs: { channel: 'red' }, link: 'image', from: 0 },
  { class_type: 'InvertMask', inputs: {}, link: 'mask', from: 0 },
  { class_type: 'MaskToImage', inputs: {}, link: 'mask', from: 0 },
] as const;

const COLUMN = 320;
const ROW = 300;
const CHAINS_PER_ROW = 4;

/**
 * @example
 * const workflow = bigWorkflow(500); // 500 nodes, 400 links
 */
export function bigWorkflow(nodeCount: number): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (let i = 0; i < nodeCount; i++) {
    const step = CHAIN[i % CHAIN.length]!;
    const chain = Math.floor(i / CHAIN.length);
    const column = (chain % CHAINS_PER_ROW) * CHAIN.length + (i % CHAIN.length);
    const row = Math.floor(chain / CHAINS_PER_ROW);
    const inputs: Record<string, unknown> = { ...step.inputs };
    if ('link' in step) inputs[step.link] = [String(i), step.from];
    nodes[String(i + 1)] = {
      class_type: step.class_type,
      inputs,
      pos: [column * COLUMN, row * ROW],
      mode: 'always',
    };
  }
  return {
    format: 'momaflow.workflow',
    version: 2,
    name: `${nodeCount} nodes`,
    nodes,
    groups: [],
    notes: [],
    extra: {},
  };
}
