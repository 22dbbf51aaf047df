/**
 * Acceptance (issue 13, nodes and samplers): `/api/object_info` of the real server lists ComfyUI's
 * core SD1.5 nodes with ComfyUI's input names and outputs, and KSampler offers ComfyUI's samplers and
 * schedulers for eps-prediction models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './support/http';
import { startTestServer, type TestServer } from './support/test-server';

interface NodeInfo {
  readonly input: { readonly required: Record<string, unknown[]> };
  readonly output: readonly string[];
}

/** Each node with ComfyUI's required inputs (in order) and outputs. */
const CORE_NODES: Record<string, readonly [readonly string[], readonly string[]]> = {
  KSamplerAdvanced: [
    [
      'model',
      'add_noise',
      'noise_seed',
      'steps',
      'cfg',
      'sampler_name',
      'scheduler',
      'positive',
      'negative',
      'latent_image',
      'start_at_step',
      'end_at_step',
      'return_with_leftover_noise',
    ],
    ['LATENT'],
  ],
  LatentUpscale: [['samples', 'upscale_method', 'width', 'height', 'crop'], ['LATENT']],
  LatentUpscaleBy: [['samples', 'upscale_method', 'scale_by'], ['LATENT']],
  LatentFromBatch: [['samples', 'batch_index', 'length'], ['LATENT']],
  RepeatLatentBatch: [['samples', 'amount'], ['LATENT']],
  SetLatentNoiseMask: [['samples', 'mask'], ['LATENT']],
  VAEEncodeForInpaint: [['pixels', 'vae', 'mask', 'grow_mask_by'], ['LATENT']],
  VAEDecodeTiled: [
    ['samples', 'vae', 'tile_size', 'overlap', 'temporal_size', 'temporal_overlap'],
    ['IMAGE'],
  ],
  VAEEncodeTiled: [
    ['pixels', 'vae', 'tile_size', 'overlap', 'temporal_size', 'temporal_overlap'],
    ['LATENT'],
  ],
  VAELoader: [['vae_name'], ['VAE']],
  CheckpointLoader: [
    ['config_name', 'ckpt_name'],
    ['MODEL', 'CLIP', 'VAE'],
  ],
  CLIPSetLastLayer: [['clip', 'stop_at_clip_layer'], ['CLIP']],
  ConditioningCombine: [['conditioning_1', 'conditioning_2'], ['CONDITIONING']],
  ConditioningAverage: [
    ['conditioning_to', 'conditioning_from', 'conditioning_to_strength'],
    ['CONDITIONING'],
  ],
  ConditioningSetArea: [['conditioning', 'width', 'height', 'x', 'y', 'strength'], ['CONDITIONING']],
  ConditioningSetMask: [['conditioning', 'mask', 'strength', 'set_cond_area'], ['CONDITIONING']],
  ConditioningZeroOut: [['conditioning'], ['CONDITIONING']],
  ImageCrop: [['image', 'width', 'height', 'x', 'y'], ['IMAGE']],
  ImagePadForOutpaint: [
    ['image', 'left', 'top', 'right', 'bottom', 'feathering'],
    ['IMAGE', 'MASK'],
  ],
  ImageBlend: [['image1', 'image2', 'blend_factor', 'blend_mode'], ['IMAGE']],
  ImageBatch: [['image1', 'image2'], ['IMAGE']],
  LoadImageMask: [['image', 'channel'], ['MASK']],
  EmptyImage: [['width', 'height', 'batch_size', 'color'], ['IMAGE']],
  SaveImageWebsocket: [['images'], []],
};

const SAMPLERS = [
  'heun',
  'dpm_2',
  'dpm_2_ancestral',
  'lms',
  'dpmpp_2s_ancestral',
  'dpmpp_sde',
  'dpmpp_sde_gpu',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_gpu',
  'dpmpp_3m_sde',
  'dpmpp_3m_sde_gpu',
  'uni_pc',
  'uni_pc_bh2',
  'lcm',
  'ddpm',
  'ipndm',
  'deis',
];
const SCHEDULERS = ['exponential', 'sgm_uniform', 'beta', 'linear_quadratic'];

describe('ComfyUI core nodes in /api/object_info', () => {
  let t: TestServer;
  let info: Record<string, NodeInfo>;
  beforeAll(async () => {
    t = await startTestServer();
    info = (await request(t.url, '/api/object_info')).body as Record<string, NodeInfo>;
  });
  afterAll(async () => {
    await t.dispose();
  });

  it.each(Object.entries(CORE_NODES))(
    'lists %s with ComfyUI inputs and outputs',
    (type, [inputs, outputs]) => {
      const node = info[type];
      expect(node, type).toBeDefined();
      expect(Object.keys(node!.input.required)).toEqual(inputs);
      expect(node!.output).toEqual(outputs);
    },
  );

  it.each(['KSampler', 'KSamplerAdvanced'])('%s offers the samplers and schedulers for SD1.5', (type) => {
    const required = info[type]!.input.required;
    expect(required.sampler_name![0]).toEqual(expect.arrayContaining(SAMPLERS));
    expect(required.scheduler![0]).toEqual(expect.arrayContaining(SCHEDULERS));
  });
});
