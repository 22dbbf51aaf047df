/**
 * @module
 * Fixtures for the editor's unit tests: ComfyUI-shaped node schemas like the server's (image nodes,
 * a sampler with a seed, a model loader), their templates, and document builders.
 */

import {
  dict,
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  type Workflow,
  type WorkflowNode,
} from '@momaflow/engine/protocol';
import type { GraphDoc } from '../features/graph/lib/flow-types';
import { buildTemplates } from '../features/schema/lib/build-templates';
import type { TemplateMap } from '../features/schema/lib/node-template';
import { type ObjectInfo, zObjectInfo } from '../features/schema/lib/object-info-schema';
import { docFromWorkflow } from '../features/workflow/lib/doc-from-workflow';

const schema = (name: string, body: Record<string, unknown>) => ({
  name,
  display_name: name,
  category: 'test',
  ...body,
});

/** A small object_info: loaders, image and mask nodes, a sampler and outputs. */
export const OBJECT_INFO: ObjectInfo = zObjectInfo.parse({
  LoadImage: schema('LoadImage', {
    display_name: 'Load Image',
    category: 'image',
    input: { required: { image: [['example.png', 'cat.png'], { image_upload: true }] } },
    output: ['IMAGE', 'MASK'],
    output_name: ['IMAGE', 'MASK'],
  }),
  ImageScale: schema('ImageScale', {
    display_name: 'Upscale Image',
    category: 'image/upscaling',
    input: {
      required: {
        image: ['IMAGE', {}],
        upscale_method: [['nearest-exact', 'bicubic'], { default: 'nearest-exact' }],
        width: ['INT', { default: 512, min: 0, max: 16384, step: 8 }],
      },
    },
    input_order: { required: ['image', 'upscale_method', 'width'] },
    output: ['IMAGE'],
  }),
  InvertMask: schema('InvertMask', {
    category: 'mask',
    input: { required: { mask: ['MASK', {}] } },
    output: ['MASK'],
  }),
  Sampler: schema('Sampler', {
    display_name: 'KSampler',
    category: 'sampling',
    input: {
      required: {
        model: ['MODEL', {}],
        seed: ['INT', { default: 42, min: 0, max: 1000, control_after_generate: true }],
        cfg: ['FLOAT', { default: 7, min: 0, max: 30, step: 0.5 }],
        denoise: ['FLOAT', { default: 1, min: 0, max: 1, step: 0.01, display: 'slider' }],
        sampler_name: [['euler', 'ddim'], {}],
      },
      optional: { note: ['STRING', { default: '', multiline: true }] },
    },
    output: ['LATENT'],
  }),
  Checkpoint: schema('Checkpoint', {
    category: 'loaders',
    input: { required: { ckpt_name: [['tiny.safetensors'], { model_folder: 'checkpoints' }] } },
    output: ['MODEL', 'CLIP', 'VAE'],
    output_name: ['MODEL', 'CLIP', 'VAE'],
  }),
  Toggle: schema('Toggle', {
    category: 'utils',
    input: { required: { flag: ['BOOLEAN', { default: true, label_on: 'yes', label_off: 'no' }] } },
    output: ['BOOLEAN'],
  }),
  TextOut: schema('TextOut', {
    category: 'utils',
    input: { required: { text: ['STRING', { default: '' }] } },
    output: ['STRING'],
  }),
  SaveImage: schema('SaveImage', {
    display_name: 'Save Image',
    category: 'image',
    output_node: true,
    input: { required: { images: ['IMAGE', {}], filename_prefix: ['STRING', { default: 'momaflow' }] } },
    output: [],
  }),
});

/** Templates of `OBJECT_INFO`. */
export function testTemplates(): TemplateMap {
  return buildTemplates(OBJECT_INFO);
}

/** A saved workflow from node entries (layout defaults filled in). */
export function workflowOf(
  nodes: Record<string, Partial<WorkflowNode> & { class_type: string }>,
  extra: Partial<Workflow> = {},
): Workflow {
  const full = dict<WorkflowNode>();
  for (const [id, node] of Object.entries(nodes)) {
    full[id] = { inputs: {}, pos: [0, 0], mode: 'always', ...node };
  }
  return {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    nodes: full,
    groups: [],
    notes: [],
    extra: {},
    ...extra,
  };
}

/** load -> scale -> save, plus a mask inverter on the load's second output. */
export function imageWorkflow(): Workflow {
  return workflowOf({
    '1': { class_type: 'LoadImage', inputs: { image: 'example.png' }, pos: [0, 0] },
    '2': {
      class_type: 'ImageScale',
      inputs: { image: ['1', 0], upscale_method: 'bicubic', width: 256 },
      pos: [300, 0],
    },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'out' }, pos: [600, 0] },
    '4': { class_type: 'InvertMask', inputs: { mask: ['1', 1] }, pos: [300, 200] },
  });
}

/** The editor document of `workflow` with the test templates. */
export function docOf(workflow: Workflow = imageWorkflow()): GraphDoc {
  return docFromWorkflow(workflow, testTemplates());
}
