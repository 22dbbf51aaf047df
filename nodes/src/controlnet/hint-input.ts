/**
 * @module
 * An IMAGE hint as the hint-embedding graph takes it: resized to the sampled latent's pixel size when
 * it differs (ComfyUI `common_upscale(hint, w * 8, h * 8, 'nearest-exact', 'center')`, with a note in
 * the log), then NCHW in [0, 1] with the ControlNet's channel count and order (alpha dropped, gray
 * repeated).
 */
import type { Logger } from '@momaflow/engine';
import { Tensor } from '@momaflow/engine';
import { commonUpscale } from '../image/common-upscale';
import type { HintChannelOrder } from '../models/controlnet';

/** What the ControlNet wants. */
export interface HintTarget {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly order: HintChannelOrder;
  /** Names the ControlNet in the log note. */
  readonly label: string;
}

/**
 * `image` [B, H, W, C] as [B, channels, height, width].
 * @example
 * const hint = hintInput(image, { width: 512, height: 512, channels: 3, order: 'rgb', label: "ControlNet 'canny'" }, log);
 */
export function hintInput(image: Tensor<'float32'>, target: HintTarget, log: Logger): Tensor<'float32'> {
  const [batch = 0, height = 0, width = 0, channels = 0] = image.shape;
  let source = image;
  if (height !== target.height || width !== target.width) {
    log.info(
      `${target.label}: hint ${width}x${height} resized to ${target.width}x${target.height}, the size of the sampled image (center crop, nearest-exact)`,
      { from: [width, height], to: [target.width, target.height] },
    );
    source = commonUpscale(image, {
      width: target.width,
      height: target.height,
      method: 'nearest-exact',
      crop: 'center',
    });
  }
  const plane = target.height * target.width;
  const out = Tensor.zeros('float32', [batch, target.channels, target.height, target.width]);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < target.channels; c++) {
      const wanted = target.order === 'bgr' ? target.channels - 1 - c : c;
      const from = Math.min(wanted, channels - 1);
      const dst = (b * target.channels + c) * plane;
      for (let p = 0; p < plane; p++) out.data[dst + p] = source.data[(b * plane + p) * channels + from]!;
    }
  }
  return out;
}
