/**
 * @module
 * SegmentModelLoader: a segmentation model from `models/segment` as SEGMENTER. The file's identity
 * (path, size, mtime) and its JSON config's text are part of the cache signature, so replacing the
 * model or editing its config re-runs the node.
 */
import { join } from 'node:path';
import { defineNode, EngineError, errorMessage, Input } from '@momaflow/engine';
import { resolveExistingInside } from '../image';
import { listSegmentModels, SEGMENT_MODELS_FOLDER } from './list-segment-models';
import { loadSegmenter, segmentModelIdentity } from './load-segmenter';

const LABEL = "SegmentModelLoader input 'model_name'";

const segmentDir = (models: string) => join(models, SEGMENT_MODELS_FOLDER);

/** The model's real path; a missing one gets a hint on how to fetch the default model. */
async function resolveModel(models: string, name: string): Promise<string> {
  try {
    return await resolveExistingInside(segmentDir(models), name, LABEL);
  } catch (err) {
    if (!(err instanceof EngineError) || err.code !== 'file_not_found') throw err;
    throw new EngineError(
      err.code,
      `${err.message} (\`momaflow models pull segment-isnet\` fetches the default model; put other .onnx models there)`,
      err.details,
    );
  }
}

/** Loads a salient-object / background-removal ONNX model (IS-Net, U2-Net, BiRefNet, ...). */
export const SegmentModelLoader = defineNode({
  type: 'SegmentModelLoader',
  displayName: 'Load Segmentation Model',
  category: 'loaders',
  description:
    'Loads a salient-object / background-removal ONNX model from models/segment. Input size and normalisation come from a JSON file of the same name beside it, or from the preset its name matches (isnet, u2net, birefnet). `momaflow models pull segment-isnet` fetches the default IS-Net model.',
  concurrent: true,
  inputs: {
    model_name: Input.combo({
      options: ({ env }) => listSegmentModels(segmentDir(env.dirs.models)),
      tooltip: 'The .onnx model to load, relative to models/segment.',
    }),
  },
  outputs: [{ type: 'SEGMENTER', name: 'SEGMENTER', tooltip: 'The model, for Segment.' }],
  fingerprint: async ({ values, env }) => {
    // A linked name is not known before the run; the link's own signature covers it then.
    if (values.model_name === undefined) return '';
    return segmentModelIdentity(await resolveModel(env.dirs.models, values.model_name));
  },
  validate: async ({ values, env }) => {
    if (values.model_name === undefined) return [];
    try {
      await resolveModel(env.dirs.models, values.model_name);
      return [];
    } catch (err) {
      return [{ input: 'model_name', message: errorMessage(err) }];
    }
  },
  run: async (ctx, { model_name }) => {
    const path = await resolveModel(ctx.env.dirs.models, model_name);
    return [await loadSegmenter({ path, name: model_name, label: LABEL })];
  },
});
