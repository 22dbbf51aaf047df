/**
 * @module
 * Every tensor of an ldm `AutoencoderKL` (the KL-f8 VAE of SD1.x) with its shape, under the key a
 * single-file checkpoint stores it at (`first_stage_model.*`), following `Encoder` / `Decoder` in
 * ldm `modules/diffusionmodules/model.py`.
 */
import { conv, norm, type Shapes } from './shape-table';
import type { LdmVaeShape } from './tiny-sd15-config';

/** Key prefix of the VAE in SD1.x single-file checkpoints. */
const PREFIX = 'first_stage_model.';

/** ldm `ResnetBlock` without time embedding (temb_channels 0), 1x1 `nin_shortcut` when widths differ. */
function resnet(out: Shapes, key: string, cin: number, cout: number): void {
  norm(out, `${key}.norm1`, cin);
  conv(out, `${key}.conv1`, cout, cin, 3);
  norm(out, `${key}.norm2`, cout);
  conv(out, `${key}.conv2`, cout, cout, 3);
  if (cin !== cout) conv(out, `${key}.nin_shortcut`, cout, cin, 1);
}

/** ldm `AttnBlock`: GroupNorm and 1x1 conv q, k, v, proj_out. */
function attnBlock(out: Shapes, key: string, ch: number): void {
  norm(out, `${key}.norm`, ch);
  for (const name of ['q', 'k', 'v', 'proj_out']) conv(out, `${key}.${name}`, ch, ch, 1);
}

function midBlock(out: Shapes, key: string, ch: number): void {
  resnet(out, `${key}.block_1`, ch, ch);
  attnBlock(out, `${key}.attn_1`, ch);
  resnet(out, `${key}.block_2`, ch, ch);
}

/**
 * The VAE's tensors and shapes, keyed as stored in a single-file checkpoint, in creation order.
 * @example
 * ldmVaeShapes(TINY_SD15_SHAPE.vae).get('first_stage_model.decoder.conv_out.weight'); // [3, 32, 3, 3]
 */
export function ldmVaeShapes(p: LdmVaeShape): Map<string, readonly number[]> {
  const out: Shapes = new Map();
  const d = p.ddconfig;
  const widths = d.ch_mult.map((m) => d.ch * m);
  const last = widths.length - 1;
  conv(out, 'encoder.conv_in', d.ch, d.in_channels, 3);
  let ch = d.ch;
  widths.forEach((width, level) => {
    for (let r = 0; r < d.num_res_blocks; r++) {
      resnet(out, `encoder.down.${level}.block.${r}`, ch, width);
      ch = width;
    }
    if (level !== last) conv(out, `encoder.down.${level}.downsample.conv`, ch, ch, 3);
  });
  midBlock(out, 'encoder.mid', ch);
  norm(out, 'encoder.norm_out', ch);
  conv(out, 'encoder.conv_out', 2 * d.z_channels, ch, 3);
  conv(out, 'quant_conv', 2 * p.embed_dim, 2 * d.z_channels, 1);
  conv(out, 'post_quant_conv', d.z_channels, p.embed_dim, 1);
  ch = widths[last]!;
  conv(out, 'decoder.conv_in', ch, d.z_channels, 3);
  midBlock(out, 'decoder.mid', ch);
  for (let level = last; level >= 0; level--) {
    for (let r = 0; r <= d.num_res_blocks; r++) {
      resnet(out, `decoder.up.${level}.block.${r}`, ch, widths[level]!);
      ch = widths[level]!;
    }
    if (level !== 0) conv(out, `decoder.up.${level}.upsample.conv`, ch, ch, 3);
  }
  norm(out, 'decoder.norm_out', ch);
  conv(out, 'decoder.conv_out', d.out_ch, ch, 3);
  return new Map([...out].map(([key, shape]) => [PREFIX + key, shape]));
}
