/**
 * @module
 * Every tensor of a cldm `ControlNet` (the original ControlNet releases, cldm/cldm.py) with its shape,
 * under the key a whole-ControlLDM file stores it at (`control_model.*`): the copied UNet's
 * `time_embed`, `input_blocks` and `middle_block`, the `input_hint_block` convs, one 1x1 `zero_convs.{i}.0`
 * per input block and `middle_block_out.0`.
 */
import { ldmUnetShapes } from './ldm-unet-shapes';
import { conv, type Shapes } from './shape-table';
import type { LdmUnetShape } from './tiny-sd15-config';

/** The hint embedding of a cldm ControlNet: image channels and its conv stages' widths. */
export interface LdmHintShape {
  readonly channels: number;
  /** cldm's are 16, 32, 96, 256. */
  readonly widths: readonly number[];
}

const UNET_PREFIX = 'model.diffusion_model.';
const CONTROL_PREFIX = 'control_model.';
const COPIED = ['time_embed.', 'input_blocks.', 'middle_block.'];

/** Output channels of a copied block's last layer, read off its weights. */
function outChannels(shapes: Shapes, block: string): number {
  for (const last of ['1.proj_out', '0.out_layers.3', '0.op', '0', '2.out_layers.3']) {
    const shape = shapes.get(`${block}.${last}.weight`);
    if (shape !== undefined) return shape[0] ?? 0;
  }
  throw new RangeError(`no output layer under '${block}'`);
}

/**
 * The ControlNet's tensors and shapes for a UNet of shape `p`, keyed as stored (`control_model.*`).
 * @example
 * ldmControlNetShapes(SD15_SHAPE.unet, { channels: 3, widths: [16, 32, 96, 256] }).size; // 340
 */
export function ldmControlNetShapes(p: LdmUnetShape, hint: LdmHintShape): Map<string, readonly number[]> {
  const out: Shapes = new Map();
  for (const [key, shape] of ldmUnetShapes(p)) {
    const local = key.slice(UNET_PREFIX.length);
    if (COPIED.some((c) => local.startsWith(c))) out.set(local, shape);
  }
  const { widths } = hint;
  const convs: [number, number, number][] = [[hint.channels, widths[0] ?? 0, 3]];
  for (let i = 0; i + 1 < widths.length; i++) {
    convs.push([widths[i] ?? 0, widths[i] ?? 0, 3], [widths[i] ?? 0, widths[i + 1] ?? 0, 3]);
  }
  convs.push([widths.at(-1) ?? 0, p.model_channels, 3]);
  // cldm's input_hint_block interleaves convs and SiLUs: conv j sits at index 2j.
  for (const [j, [cin, cout, k]] of convs.entries()) conv(out, `input_hint_block.${2 * j}`, cout, cin, k);
  for (let i = 0; [...out.keys()].some((k) => k.startsWith(`input_blocks.${i}.`)); i++) {
    const channels = outChannels(out, `input_blocks.${i}`);
    conv(out, `zero_convs.${i}.0`, channels, channels, 1);
  }
  const mid = outChannels(out, 'middle_block');
  conv(out, 'middle_block_out.0', mid, mid, 1);
  return new Map([...out].map(([key, shape]) => [CONTROL_PREFIX + key, shape]));
}
