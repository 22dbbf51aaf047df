/**
 * @module
 * The image side of an SD1.5 IP-Adapter as one graph, as IP-Adapter's `get_image_embeds` computes it
 * (tencent-ailab/IP-Adapter `ip_adapter/ip_adapter.py`), guided and unguided tokens in one run:
 * - ip-adapter-plus_sd15: the vision tower's penultimate hidden state (`hidden_states[-2]`, class
 *   token included) through the `Resampler`; the unguided tokens are the same on zero pixel values
 *   (`torch.zeros_like(clip_image)`).
 * - ip-adapter_sd15: the tower's projected `image_embeds` (CLIPVisionModelWithProjection) through
 *   `ImageProjModel`; the unguided tokens are `ImageProjModel(torch.zeros_like(image_embeds))`.
 */
import type { OnnxModel, Value } from '@momaflow/engine';
import { OnnxBuilder as Builder, EngineError } from '@momaflow/engine';
import {
  CLIP_VISUAL_PROJECTION_KEY,
  type ClipVisionCheckpoint,
  clipVisionImageEmbeds,
  clipVisionProjectionDim,
  clipVisionSelector,
  clipVisionTower,
  towerDepth,
} from '../clip-vision';
import { openHfWeights } from '../hf-checkpoint';
import { inScope, WeightMap, WeightScope } from '../ldm-config';
import { imageProjModel, readIpAdapterProjection, resampler } from './image-projection-graph';
import type { IpAdapterFile } from './read-ip-adapter';

/** Graph input / output names. */
export const IP_ADAPTER_IMAGE_IO = {
  pixelValues: 'pixel_values',
  features: 'features',
  cond: 'tokens_cond',
  uncond: 'tokens_uncond',
} as const;

/** IP-Adapter plus reads the penultimate hidden state of the vision tower. */
const PLUS_FEATURE_LAYER = -2;

/**
 * Checks that `tower` gives what `file`'s projection reads: `image_embeds` of its width for
 * `ImageProjModel`, hidden states of its width for the Resampler.
 * @throws EngineError `ip_adapter_mismatch` naming both files when the widths differ,
 *   `missing_visual_projection` (naming the tower's weight file and key) when an ip-adapter_sd15 style
 *   adapter gets a tower without the projection head.
 * @example
 * await checkIpAdapterTower(file, tower);
 */
export async function checkIpAdapterTower(file: IpAdapterFile, tower: ClipVisionCheckpoint): Promise<void> {
  const p = file.projection;
  const embeds = p.kind === 'linear';
  const width = embeds ? await clipVisionProjectionDim(tower) : tower.config.hiddenSize;
  if (p.inFeatures !== width) {
    throw new EngineError(
      'ip_adapter_mismatch',
      `${file.path} reads ${p.inFeatures}-wide image features; the vision tower ${tower.path} gives ${width}-wide ${embeds ? 'image_embeds' : 'hidden states'}`,
      { path: file.path },
    );
  }
}

/** The tower's tensors up to `depth` layers, with the projection head when `embeds`. */
async function towerWeights(
  tower: ClipVisionCheckpoint,
  o: { readonly depth: number; readonly embeds: boolean },
): Promise<WeightMap> {
  const keep = (key: string) => {
    const layer = /^vision_model\.encoder\.layers\.(\d+)\./.exec(key);
    return layer === null
      ? key.startsWith('vision_model.') && (o.embeds || !key.includes('post_layernorm'))
      : Number(layer[1]) < o.depth;
  };
  const select = clipVisionSelector(keep);
  const reader = await openHfWeights(tower.weights);
  try {
    return await WeightMap.load(reader, (stored) =>
      o.embeds && stored === CLIP_VISUAL_PROJECTION_KEY ? { key: stored } : select(stored),
    );
  } finally {
    await reader.close();
  }
}

/** `ConstantOfShape(Shape(x))`: zeros shaped like `x`. */
function zerosLike(b: Builder, x: Value<'float32'>): Value<'float32'> {
  return b.op('ConstantOfShape', [b.op('Shape', [x], {}, { dtype: 'int64' })], {}, { dtype: 'float32' });
}

/** Rows [0, N) and [N, 2N) of `x` [2N, ...]. */
function halves(b: Builder, x: Value<'float32'>): readonly [Value<'float32'>, Value<'float32'>] {
  return b.opN('Split', [x], { axis: 0 }, { dtypes: ['float32', 'float32'] });
}

/**
 * `pixel_values` [N, C, S, S] -> `features` [N, ...] (what the projection reads of the N images: the
 * penultimate hidden state or `image_embeds`), `tokens_cond` and `tokens_uncond` [N, tokens, tokenDim].
 * @throws EngineError as `checkIpAdapterTower`.
 * @example
 * const model = await buildIpAdapterImageGraph(await readIpAdapter(path), await loadClipVision(towerPath));
 */
export async function buildIpAdapterImageGraph(
  file: IpAdapterFile,
  tower: ClipVisionCheckpoint,
): Promise<OnnxModel> {
  await checkIpAdapterTower(file, tower);
  const c = tower.config;
  const p = file.projection;
  const featureLayer = p.kind === 'linear' ? -1 : PLUS_FEATURE_LAYER;
  const vision = await towerWeights(tower, {
    depth: towerDepth(c, featureLayer),
    embeds: p.kind === 'linear',
  });
  const projection = new WeightScope(await readIpAdapterProjection(file));
  const b = Builder.create({ name: 'ip_adapter_image' });
  const io = IP_ADAPTER_IMAGE_IO;
  const pixels = b.input(io.pixelValues, 'float32', ['batch', c.numChannels, c.imageSize, c.imageSize]);
  const root = new WeightScope(vision);
  const towerOf = (x: Value<'float32'>) =>
    inScope(b, root, ['vision_model'], (w) => clipVisionTower(b, w, x, { config: c, featureLayer }));
  let tokens: Value<'float32'>;
  if (p.kind === 'linear') {
    // checkIpAdapterTower made the projection's width the adapter's input width.
    const embeds = clipVisionImageEmbeds(b, root, towerOf(pixels), {
      config: c,
      projectionDim: p.inFeatures,
    });
    b.output(embeds, io.features, ['batch', p.inFeatures]);
    const both = b.op('Concat', [embeds, zerosLike(b, embeds)], { axis: 0 });
    tokens = inScope(b, projection, ['image_proj'], (w) => imageProjModel(b, w, both, p));
  } else {
    const hidden = towerOf(b.op('Concat', [pixels, zerosLike(b, pixels)], { axis: 0 }));
    b.output(halves(b, hidden)[0], io.features, [
      'batch',
      (c.imageSize / c.patchSize) ** 2 + 1,
      c.hiddenSize,
    ]);
    tokens = inScope(b, projection, ['image_proj'], (w) => resampler(b, w, hidden, p));
  }
  const [cond, uncond] = halves(b, tokens);
  b.output(cond, io.cond, ['batch', p.tokens, file.tokenDim]);
  b.output(uncond, io.uncond, ['batch', p.tokens, file.tokenDim]);
  return b.build();
}
