/**
 * @module
 * Test-only: a single-file copy of the fixtures' diffusers `tiny-controlnet/` in the original
 * releases' cldm layout, named independently of the loader's converter: the UNet part takes the LDM
 * names of the same tiny UNet as `tiny-sd.safetensors` stores them (converted by diffusers' own script),
 * the ControlNet parts the names cldm/cldm.py gives its modules (`input_hint_block.{0,2,..,14}`,
 * `zero_convs.{i}.0`, `middle_block_out.0`), with the cldm yaml beside it that the releases ship.
 * Not exported from the folder's index.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from '@momaflow/engine';
import { dict, openSafetensors, writeSafetensors } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import { z } from 'zod';
import { controlNetYamlText, type LdmUnetShape } from '../tiny';
import { convertLdmUnetKeys, LDM_UNET_PREFIX } from '../unet';

/** The fixture ControlNet's folder. */
export const TINY_CONTROLNET = 'tiny-controlnet';

/** Every tensor of a safetensors file. */
export async function readAll(path: string): Promise<Record<string, Tensor<'float32'>>> {
  const reader = await openSafetensors(path);
  try {
    const out = dict<Tensor<'float32'>>();
    for (const key of reader.keys()) out[key] = await reader.readFloat32(key);
    return out;
  } finally {
    await reader.close();
  }
}

/** diffusers -> LDM names of the tiny UNet's parts, from the fixtures' single-file checkpoint. */
async function ldmUnetNames(layersPerBlock: number): Promise<Map<string, string>> {
  const reader = await openSafetensors(fixturePath('tiny-sd.safetensors'));
  try {
    const ldm = reader
      .keys()
      .filter((k) => k.startsWith(LDM_UNET_PREFIX))
      .map((k) => k.slice(LDM_UNET_PREFIX.length));
    const { mapping } = convertLdmUnetKeys(ldm, layersPerBlock);
    return new Map([...mapping].map(([from, to]) => [to, from]));
  } finally {
    await reader.close();
  }
}

const zFixtureConfig = z.object({
  in_channels: z.number(),
  conditioning_channels: z.number(),
  block_out_channels: z.array(z.number()),
  down_block_types: z.array(z.string()),
  layers_per_block: z.number(),
  attention_head_dim: z.number(),
  cross_attention_dim: z.number(),
  transformer_layers_per_block: z.number(),
});
type FixtureConfig = z.infer<typeof zFixtureConfig>;

async function fixtureConfig(): Promise<FixtureConfig> {
  return zFixtureConfig.parse(
    JSON.parse(await readFile(fixturePath(TINY_CONTROLNET, 'config.json'), 'utf8')),
  );
}

/** The cldm constructor arguments of the fixture's ControlNet (diffusers' create_unet_diffusers_config, inverted). */
function cldmParams(c: FixtureConfig): LdmUnetShape {
  const c0 = c.block_out_channels[0]!;
  return {
    image_size: 32,
    in_channels: c.in_channels,
    out_channels: c.in_channels,
    model_channels: c0,
    attention_resolutions: c.down_block_types.flatMap((t, level) =>
      t === 'CrossAttnDownBlock2D' ? [2 ** level] : [],
    ),
    num_res_blocks: c.layers_per_block,
    channel_mult: c.block_out_channels.map((ch) => ch / c0),
    num_heads: c.attention_head_dim,
    use_spatial_transformer: true,
    transformer_depth: c.transformer_layers_per_block,
    context_dim: c.cross_attention_dim,
    legacy: false,
  };
}

/** cldm's name of a ControlNet-only module, by its diffusers name (`blocks` hint convs in the file). */
function cldmName(key: string, blocks: number): string | undefined {
  const hint = /^controlnet_cond_embedding\.(conv_in|conv_out|blocks\.(\d+))\.(weight|bias)$/.exec(key);
  if (hint !== null) {
    // cldm's input_hint_block interleaves convs and SiLUs: conv k sits at index 2k.
    const conv = hint[1] === 'conv_in' ? 0 : hint[1] === 'conv_out' ? blocks + 1 : Number(hint[2]) + 1;
    const index = 2 * conv;
    return `input_hint_block.${index}.${hint[3]}`;
  }
  const zero = /^controlnet_down_blocks\.(\d+)\.(weight|bias)$/.exec(key);
  if (zero !== null) return `zero_convs.${zero[1]}.0.${zero[2]}`;
  const mid = /^controlnet_mid_block\.(weight|bias)$/.exec(key);
  return mid === null ? undefined : `middle_block_out.0.${mid[1]}`;
}

/**
 * Write the fixture ControlNet as one cldm-layout safetensors file under `dir`.
 * @example
 * const file = await writeCldmCopy(dir, { prefix: 'control_model.', dtype: 'F32' });
 */
export async function writeCldmCopy(
  dir: string,
  o: { readonly prefix: string; readonly dtype: 'F32' | 'F16'; readonly name?: string },
): Promise<string> {
  const tensors = await readAll(fixturePath(TINY_CONTROLNET, 'diffusion_pytorch_model.safetensors'));
  const config = await fixtureConfig();
  const unetNames = await ldmUnetNames(config.layers_per_block);
  const blocks = Object.keys(tensors).filter((k) =>
    /^controlnet_cond_embedding\.blocks\.\d+\.weight$/.test(k),
  ).length;
  const renamed = dict<Tensor<'float32'>>();
  for (const [key, tensor] of Object.entries(tensors)) {
    const cldm = cldmName(key, blocks) ?? unetNames.get(key);
    if (cldm === undefined) throw new Error(`no cldm name for '${key}'`);
    renamed[o.prefix + cldm] = tensor;
  }
  const name = o.name ?? `tiny-controlnet-cldm-${o.dtype.toLowerCase()}`;
  const file = join(dir, `${name}.safetensors`);
  await writeSafetensors(file, renamed, { dtype: o.dtype });
  await writeFile(
    join(dir, `${name}.yaml`),
    controlNetYamlText(cldmParams(config), config.conditioning_channels),
  );
  return file;
}
