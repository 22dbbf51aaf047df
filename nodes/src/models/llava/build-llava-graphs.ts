/**
 * @module
 * Builds a LLaVA model's graphs into a folder: `vision/` (tower + projector) and `stage-<k>/` (runs
 * of decoder layers), each a `model.onnx` with its weights streamed to `model.onnx.data` as they are
 * converted, so memory holds one layer's float32 weights at a time whatever the model's size.
 * Progress is counted in parameters converted; the signal is checked between layers.
 */
import { join } from 'node:path';
import { ExternalDataWriter, type OnnxModel, type WeightReader, writeModel } from '@momaflow/engine';
import { clipVisionSelector, towerDepth } from '../clip-vision';
import { openHfWeights } from '../hf-checkpoint';
import { WeightMap } from '../ldm-config';
import { llamaLayerParameters } from '../llama';
import { languageSelector } from './llava-keys';
import { buildLlavaLanguageStage } from './llava-language-graph';
import type { LlavaModel } from './llava-model';
import { buildLlavaVisionGraph } from './llava-vision-graph';

/** Progress of a build, in parameters converted. */
export interface LlavaBuildProgress {
  readonly done: number;
  readonly total: number;
}

/** What was built, relative to the folder. */
export interface LlavaGraphFiles {
  readonly vision: string;
  readonly stages: readonly { readonly path: string; readonly layers: readonly [number, number] }[];
}

/** Options of `buildLlavaGraphs`. */
export interface BuildLlavaGraphsOptions {
  readonly onProgress?: (p: LlavaBuildProgress) => void;
  readonly signal?: AbortSignal;
}

/** Layer runs of about an eighth of the model each: progress and cancellation points of a prefill. */
export function languageStages(layers: number): [number, number][] {
  const size = Math.max(1, Math.ceil(layers / 8));
  const stages: [number, number][] = [];
  for (let start = 0; start < layers; start += size) stages.push([start, Math.min(layers, start + size)]);
  return stages;
}

function towerParameters(m: LlavaModel, depth: number): number {
  const t = m.tower.config;
  const layer = 4 * t.hiddenSize * t.hiddenSize + 2 * t.hiddenSize * t.intermediateSize;
  return depth * layer + t.hiddenSize * t.numChannels * t.patchSize ** 2;
}

/** Write `model` (its weights were already streamed there) into `dir`, returning its path. */
async function write(model: OnnxModel, dir: string): Promise<string> {
  return (await writeModel(model, dir)).modelPath;
}

async function withWriter<T>(dir: string, build: (writer: ExternalDataWriter) => Promise<T>): Promise<T> {
  const writer = ExternalDataWriter.open(dir);
  try {
    return await build(writer);
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/**
 * Build every graph of `model` into `dir` (which should be empty).
 * @example
 * const files = await buildLlavaGraphs(model, 'temp/mllm-graphs/llava-<key>', { onProgress });
 */
export async function buildLlavaGraphs(
  model: LlavaModel,
  dir: string,
  o: BuildLlavaGraphsOptions = {},
): Promise<LlavaGraphFiles> {
  const { checkpoint: llava, tower, quantization } = model;
  const c = llava.config.llama;
  const depth = towerDepth(tower.config, llava.config.visionFeatureLayer);
  const total =
    towerParameters(model, depth) + c.vocabSize * c.hiddenSize + c.layers * llamaLayerParameters(c);
  let done = 0;
  const advance = (parameters: number) => {
    done += parameters;
    o.onProgress?.({ done, total });
  };
  const language = await openHfWeights(llava.weights);
  const towerReader: WeightReader =
    tower.weights === llava.weights ? language : await openHfWeights(tower.weights);
  try {
    const load = (accept: (key: string) => boolean) =>
      WeightMap.load(language, languageSelector(llava.config.layout, accept));
    const visionDir = join(dir, 'vision');
    const vision = await withWriter(visionDir, async (externalData) => {
      const keep = (key: string) => {
        const layer = /^vision_model\.encoder\.layers\.(\d+)\./.exec(key);
        return layer === null ? !key.startsWith('vision_model.post_layernorm') : Number(layer[1]) < depth;
      };
      const graph = buildLlavaVisionGraph({
        llava: llava.config,
        tower: tower.config,
        towerWeights: await WeightMap.load(towerReader, clipVisionSelector(keep)),
        projectorWeights: await load((k) => k.startsWith('model.mm_projector')),
        quantization,
        externalData,
      });
      return write(graph, visionDir);
    });
    advance(towerParameters(model, depth));
    o.signal?.throwIfAborted();
    const stages: { path: string; layers: [number, number] }[] = [];
    for (const [k, layers] of languageStages(c.layers).entries()) {
      const stageDir = join(dir, `stage-${k}`);
      const path = await withWriter(stageDir, async (externalData) => {
        const graph = await buildLlavaLanguageStage({
          llava: llava.config,
          layers,
          quantization,
          load,
          externalData,
          ...(o.signal ? { signal: o.signal } : {}),
          onLayer: () => advance(llamaLayerParameters(c)),
        });
        return write(graph, stageDir);
      });
      if (layers[0] === 0) advance(c.vocabSize * c.hiddenSize);
      stages.push({ path, layers });
    }
    return { vision, stages };
  } finally {
    await language.close();
    if (towerReader !== language) await towerReader.close();
  }
}
