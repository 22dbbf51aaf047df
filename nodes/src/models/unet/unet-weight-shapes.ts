/**
 * @module
 * Every weight of a UNet with a given layout, by diffusers key, with its shape: what a checkpoint of
 * that config holds (tested against the fixture's file) and what the graph builder takes. Used to make
 * weights for configs nobody has trained (benchmarks, deterministic tiny models) and to list what a
 * damaged checkpoint lacks.
 */
import type { UnetLayout } from './unet-layout';

type Shapes = Map<string, readonly number[]>;

function conv(s: Shapes, key: string, out: number, inC: number, k: number): void {
  s.set(`${key}.weight`, [out, inC, k, k]);
  s.set(`${key}.bias`, [out]);
}

function lin(s: Shapes, key: string, out: number, inF: number, bias = true): void {
  s.set(`${key}.weight`, [out, inF]);
  if (bias) s.set(`${key}.bias`, [out]);
}

function norm(s: Shapes, key: string, c: number): void {
  s.set(`${key}.weight`, [c]);
  s.set(`${key}.bias`, [c]);
}

function resnet(s: Shapes, key: string, inC: number, out: number, temb: number): void {
  norm(s, `${key}.norm1`, inC);
  conv(s, `${key}.conv1`, out, inC, 3);
  lin(s, `${key}.time_emb_proj`, out, temb);
  norm(s, `${key}.norm2`, out);
  conv(s, `${key}.conv2`, out, out, 3);
  if (inC !== out) conv(s, `${key}.conv_shortcut`, out, inC, 1);
}

function transformer(s: Shapes, key: string, c: number, depth: number, crossDim: number): void {
  norm(s, `${key}.norm`, c);
  conv(s, `${key}.proj_in`, c, c, 1);
  for (let t = 0; t < depth; t++) {
    const tb = `${key}.transformer_blocks.${t}`;
    for (const [attn, kv] of [
      ['attn1', c],
      ['attn2', crossDim],
    ] as const) {
      lin(s, `${tb}.${attn}.to_q`, c, c, false);
      lin(s, `${tb}.${attn}.to_k`, c, kv, false);
      lin(s, `${tb}.${attn}.to_v`, c, kv, false);
      lin(s, `${tb}.${attn}.to_out.0`, c, c);
    }
    for (const n of ['norm1', 'norm2', 'norm3']) norm(s, `${tb}.${n}`, c);
    lin(s, `${tb}.ff.net.0.proj`, c * 8, c);
    lin(s, `${tb}.ff.net.2`, c, c * 4);
  }
  conv(s, `${key}.proj_out`, c, c, 1);
}

/**
 * Diffusers key -> shape of every weight of `layout`'s UNet.
 * @example
 * const shapes = unetWeightShapes(unetLayout(SD15_UNET_CONFIG));
 * shapes.get('conv_in.weight'); // [320, 4, 3, 3]
 */
export function unetWeightShapes(layout: UnetLayout): ReadonlyMap<string, readonly number[]> {
  const { config, timeEmbedDim: temb } = layout;
  const c0 = config.blockOutChannels[0] ?? 0;
  const s: Shapes = new Map();
  lin(s, 'time_embedding.linear_1', temb, c0);
  lin(s, 'time_embedding.linear_2', temb, temb);
  conv(s, 'conv_in', c0, config.inChannels, 3);
  for (const d of layout.down) {
    const key = `down_blocks.${d.index}`;
    for (let j = 0; j < d.layers; j++) {
      resnet(s, `${key}.resnets.${j}`, j === 0 ? d.inChannels : d.outChannels, d.outChannels, temb);
      if (d.type === 'CrossAttnDownBlock2D') {
        transformer(s, `${key}.attentions.${j}`, d.outChannels, d.transformerDepth, config.crossAttentionDim);
      }
    }
    if (d.addDownsample) conv(s, `${key}.downsamplers.0.conv`, d.outChannels, d.outChannels, 3);
  }
  const m = layout.mid;
  resnet(s, 'mid_block.resnets.0', m.channels, m.channels, temb);
  transformer(s, 'mid_block.attentions.0', m.channels, m.transformerDepth, config.crossAttentionDim);
  resnet(s, 'mid_block.resnets.1', m.channels, m.channels, temb);
  for (const u of layout.up) {
    const key = `up_blocks.${u.index}`;
    u.resnetInChannels.forEach((inC, j) => {
      resnet(s, `${key}.resnets.${j}`, inC, u.outChannels, temb);
      if (u.type === 'CrossAttnUpBlock2D') {
        transformer(s, `${key}.attentions.${j}`, u.outChannels, u.transformerDepth, config.crossAttentionDim);
      }
    });
    if (u.addUpsample) conv(s, `${key}.upsamplers.0.conv`, u.outChannels, u.outChannels, 3);
  }
  norm(s, 'conv_norm_out', c0);
  conv(s, 'conv_out', config.outChannels, c0, 3);
  return s;
}
