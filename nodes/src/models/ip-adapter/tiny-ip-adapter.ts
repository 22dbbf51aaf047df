/**
 * @module
 * Deterministic IP-Adapter files for a model, with the released SD1.5 adapters' key layout and
 * hyperparameters (4 tokens for ip-adapter_sd15; a 4-layer, 16-token, 12-head Resampler for
 * ip-adapter-plus_sd15) at the model's widths: `to_k_ip` / `to_v_ip` for every cross-attention
 * processor (odd indices in diffusers' `attn_processors` order).
 */
import type { Tensor } from '@momaflow/engine';
import { dict } from '@momaflow/engine';
import { seededWeight } from '../tiny/seeded-init';
import { listHookPoints, type UnetLayout } from '../unet';
import { IP_ADAPTER_SECTIONS, RESAMPLER_DIM_HEAD } from './read-ip-adapter';

/** The two SD1.5 adapters. */
export type TinyIpAdapterKind = 'base' | 'plus';

/** What the adapter reads: the vision tower's projected embedding width and hidden width. */
export interface TinyIpAdapterEncoder {
  readonly projectionDim: number;
  readonly hiddenSize: number;
}

/**
 * @example
 * encodeSafetensors(tinyIpAdapterTensors('plus', model.layout, { projectionDim: 24, hiddenSize: 48 }, 1));
 */
export function tinyIpAdapterTensors(
  kind: TinyIpAdapterKind,
  unet: UnetLayout,
  encoder: TinyIpAdapterEncoder,
  seed: number,
): Record<string, Tensor<'float32'>> {
  const cross = unet.config.crossAttentionDim;
  const out = dict<Tensor<'float32'>>();
  const put = (key: string, shape: readonly number[]) => {
    out[key] = seededWeight({ seed, key, shape });
  };
  const p = `${IP_ADAPTER_SECTIONS.projection}.`;
  if (kind === 'base') {
    put(`${p}proj.weight`, [4 * cross, encoder.projectionDim]);
    put(`${p}proj.bias`, [4 * cross]);
    put(`${p}norm.weight`, [cross]);
    put(`${p}norm.bias`, [cross]);
  } else {
    const inner = 12 * RESAMPLER_DIM_HEAD;
    put(`${p}latents`, [1, 16, cross]);
    put(`${p}proj_in.weight`, [cross, encoder.hiddenSize]);
    put(`${p}proj_in.bias`, [cross]);
    for (let d = 0; d < 4; d++) {
      const l = `${p}layers.${d}.`;
      for (const n of ['0.norm1', '0.norm2', '1.0']) {
        put(`${l}${n}.weight`, [cross]);
        put(`${l}${n}.bias`, [cross]);
      }
      put(`${l}0.to_q.weight`, [inner, cross]);
      put(`${l}0.to_kv.weight`, [2 * inner, cross]);
      put(`${l}0.to_out.weight`, [cross, inner]);
      put(`${l}1.1.weight`, [4 * cross, cross]);
      put(`${l}1.3.weight`, [cross, 4 * cross]);
    }
    put(`${p}proj_out.weight`, [cross, cross]);
    put(`${p}proj_out.bias`, [cross]);
    put(`${p}norm_out.weight`, [cross]);
    put(`${p}norm_out.bias`, [cross]);
  }
  for (const point of listHookPoints(unet)) {
    if (point.kind !== 'cross') continue;
    for (const name of ['to_k_ip', 'to_v_ip']) {
      put(`${IP_ADAPTER_SECTIONS.attention}.${point.order}.${name}.weight`, [point.channels, cross]);
    }
  }
  return out;
}
