/**
 * @module
 * Every tensor of an ldm `openaimodel.UNetModel` (SD1.x: spatial transformers, legacy false) with its
 * shape, under the key a single-file checkpoint stores it at (`model.diffusion_model.*`). Walks the
 * blocks in the order `UNetModel.__init__` creates them, including the skip-channel bookkeeping of
 * `input_block_chans`.
 */
import { conv, norm, type Shapes } from './shape-table';
import type { LdmUnetShape } from './tiny-sd15-config';

/** Key prefix of the UNet in SD1.x single-file checkpoints. */
const PREFIX = 'model.diffusion_model.';

function linear(out: Shapes, key: string, cout: number, cin: number, bias = true): void {
  out.set(`${key}.weight`, [cout, cin]);
  if (bias) out.set(`${key}.bias`, [cout]);
}

/** ldm `ResBlock` (in_layers: norm, SiLU, conv; emb_layers: SiLU, linear; out_layers: norm, SiLU, dropout, conv). */
function resBlock(out: Shapes, key: string, cin: number, cout: number, embed: number): void {
  norm(out, `${key}.in_layers.0`, cin);
  conv(out, `${key}.in_layers.2`, cout, cin, 3);
  linear(out, `${key}.emb_layers.1`, cout, embed);
  norm(out, `${key}.out_layers.0`, cout);
  conv(out, `${key}.out_layers.3`, cout, cout, 3);
  if (cin !== cout) conv(out, `${key}.skip_connection`, cout, cin, 1);
}

/** ldm `SpatialTransformer` with 1x1 conv projections and `BasicTransformerBlock`s (GEGLU feed-forward). */
function spatialTransformer(out: Shapes, key: string, ch: number, p: LdmUnetShape): void {
  norm(out, `${key}.norm`, ch);
  conv(out, `${key}.proj_in`, ch, ch, 1);
  for (let d = 0; d < p.transformer_depth; d++) {
    const block = `${key}.transformer_blocks.${d}`;
    for (const [attn, kv] of [
      ['attn1', ch],
      ['attn2', p.context_dim],
    ] as const) {
      linear(out, `${block}.${attn}.to_q`, ch, ch, false);
      linear(out, `${block}.${attn}.to_k`, ch, kv, false);
      linear(out, `${block}.${attn}.to_v`, ch, kv, false);
      linear(out, `${block}.${attn}.to_out.0`, ch, ch);
    }
    linear(out, `${block}.ff.net.0.proj`, ch * 8, ch);
    linear(out, `${block}.ff.net.2`, ch, ch * 4);
    for (const n of ['norm1', 'norm2', 'norm3']) norm(out, `${block}.${n}`, ch);
  }
  conv(out, `${key}.proj_out`, ch, ch, 1);
}

/**
 * The UNet's tensors and shapes, keyed as stored in a single-file checkpoint, in creation order.
 * @example
 * ldmUnetShapes(TINY_SD15_SHAPE.unet).get('model.diffusion_model.input_blocks.0.0.weight'); // [32, 4, 3, 3]
 */
export function ldmUnetShapes(p: LdmUnetShape): Map<string, readonly number[]> {
  const out: Shapes = new Map();
  const c = p.model_channels;
  const embed = 4 * c;
  linear(out, 'time_embed.0', embed, c);
  linear(out, 'time_embed.2', embed, embed);
  conv(out, 'input_blocks.0.0', c, p.in_channels, 3);
  const skips = [c];
  let ch = c;
  let ds = 1;
  let block = 1;
  p.channel_mult.forEach((mult, level) => {
    for (let r = 0; r < p.num_res_blocks; r++) {
      resBlock(out, `input_blocks.${block}.0`, ch, mult * c, embed);
      ch = mult * c;
      if (p.attention_resolutions.includes(ds)) spatialTransformer(out, `input_blocks.${block}.1`, ch, p);
      skips.push(ch);
      block++;
    }
    if (level !== p.channel_mult.length - 1) {
      conv(out, `input_blocks.${block}.0.op`, ch, ch, 3);
      skips.push(ch);
      block++;
      ds *= 2;
    }
  });
  resBlock(out, 'middle_block.0', ch, ch, embed);
  spatialTransformer(out, 'middle_block.1', ch, p);
  resBlock(out, 'middle_block.2', ch, ch, embed);
  block = 0;
  for (let level = p.channel_mult.length - 1; level >= 0; level--) {
    const cout = p.channel_mult[level]! * c;
    for (let r = 0; r <= p.num_res_blocks; r++) {
      resBlock(out, `output_blocks.${block}.0`, ch + skips.pop()!, cout, embed);
      ch = cout;
      let layer = 1;
      if (p.attention_resolutions.includes(ds))
        spatialTransformer(out, `output_blocks.${block}.${layer++}`, ch, p);
      if (level > 0 && r === p.num_res_blocks) {
        conv(out, `output_blocks.${block}.${layer}.conv`, ch, ch, 3);
        ds /= 2;
      }
      block++;
    }
  }
  norm(out, 'out.0', c);
  conv(out, 'out.2', p.out_channels, c, 3);
  return new Map([...out].map(([key, shape]) => [PREFIX + key, shape]));
}
