import { describe, expect, it } from 'vitest';
import { type ComfyGraphSpec, comfyUiWorkflow } from '../../testing/comfy-ui-builder';
import { SEED_CONTROL_KEY } from '../workflow';
import { zComfyUiWorkflow } from './comfy-ui-schema';
import { convertComfyUiWorkflow } from './convert-comfy-ui';
import { importNodeTypes, type ObjectInfoEntry } from './import-node-types';

/** The object_info entries ComfyUI serves for these types (inputs in its order). */
const INFO: Record<string, ObjectInfoEntry> = {
  CheckpointLoaderSimple: { input: { required: { ckpt_name: [['tiny.safetensors']] } } },
  EmptyLatentImage: {
    input: { required: { width: ['INT', {}], height: ['INT', {}], batch_size: ['INT', {}] } },
  },
  CLIPTextEncode: { input: { required: { text: ['STRING', { multiline: true }], clip: ['CLIP'] } } },
  KSampler: {
    input: {
      required: {
        model: ['MODEL'],
        seed: ['INT', { control_after_generate: true }],
        steps: ['INT', {}],
        cfg: ['FLOAT', {}],
        sampler_name: [['euler', 'ddim']],
        scheduler: [['normal', 'karras']],
        positive: ['CONDITIONING'],
        negative: ['CONDITIONING'],
        latent_image: ['LATENT'],
        denoise: ['FLOAT', {}],
      },
    },
  },
  VAEDecode: { input: { required: { samples: ['LATENT'], vae: ['VAE'] } } },
};
const types = importNodeTypes(INFO);

interface InnerSpec {
  readonly type: string;
  readonly title?: string;
  readonly mode?: number;
  readonly inputs?: readonly { readonly name: string; readonly type: string; readonly widget?: true }[];
  readonly outputs?: readonly string[];
  readonly widgets_values?: readonly unknown[];
}
/** A group definition as the frontend's GroupNodeBuilder stores it: serialized nodes, links as arrays. */
function groupData(
  nodes: readonly InnerSpec[],
  links: readonly (readonly unknown[])[],
  external: unknown[][] = [],
) {
  return {
    nodes: nodes.map((n, index) => ({
      id: 100 + index,
      index,
      type: n.type,
      pos: [300 + 250 * index, 200 + 50 * index],
      size: [300, 120],
      flags: {},
      order: index,
      mode: n.mode ?? 0,
      inputs: (n.inputs ?? []).map((input, slot) => ({
        name: input.name,
        type: input.type,
        // Stale ids from the graph the group was made in: the expansion must not trust them.
        link: links.some((l) => l[2] === index && l[3] === slot) ? 900 + slot : null,
        ...(input.widget ? { widget: { name: input.name } } : {}),
      })),
      outputs: (n.outputs ?? []).map((type, slot) => ({ name: type, type, links: [], slot_index: slot })),
      properties: { 'Node name for S&R': n.type },
      ...(n.widgets_values ? { widgets_values: n.widgets_values } : {}),
      ...(n.title ? { title: n.title } : {}),
    })),
    links,
    external,
  };
}

const CLIP = { name: 'clip', type: 'CLIP' };
const SAMPLER_INPUTS = [
  { name: 'model', type: 'MODEL' },
  { name: 'positive', type: 'CONDITIONING' },
  { name: 'negative', type: 'CONDITIONING' },
  { name: 'latent_image', type: 'LATENT' },
];
const POSITIVE: InnerSpec = {
  type: 'CLIPTextEncode',
  inputs: [CLIP],
  outputs: ['CONDITIONING'],
  widgets_values: ['stale positive'],
};
/** Titled, so its names that repeat the first prompt's take the title. */
const NEGATIVE: InnerSpec = { ...POSITIVE, title: 'Negative', widgets_values: ['stale negative'] };
const SAMPLER: InnerSpec = {
  type: 'KSampler',
  inputs: SAMPLER_INPUTS,
  outputs: ['LATENT'],
  widgets_values: [1, 'fixed', 20, 8, 'euler', 'normal', 1],
};
/** The link from outside (origin null) is the frontend's record of where the group was cut out. */
const SAMPLE_LINKS = [
  [null, 1, 0, 0, 4, 'CLIP'],
  [0, 0, 2, 1, 100, 'CONDITIONING'],
  [1, 0, 2, 2, 101, 'CONDITIONING'],
];
const SAMPLE = groupData([POSITIVE, NEGATIVE, SAMPLER], SAMPLE_LINKS);
/** Its widgets, in the group's order: text, Negative text, seed (+control), steps, cfg, sampler, scheduler, denoise. */
const VALUES = ['a red cube', 'blurry', 7, 'randomize', 2, 6.5, 'ddim', 'karras', 0.75];

function graph(o: {
  mode?: number;
  values?: unknown[];
  groupNodes?: unknown;
  type?: string;
}): ComfyGraphSpec {
  return {
    nodes: [
      {
        id: 4,
        type: 'CheckpointLoaderSimple',
        outputs: ['MODEL', 'CLIP', 'VAE'],
        widgets_values: ['tiny.safetensors'],
      },
      { id: 6, type: 'EmptyLatentImage', outputs: ['LATENT'], widgets_values: [64, 64, 1] },
      {
        id: 5,
        type: o.type ?? 'workflow>Sample',
        pos: [500, 200],
        mode: o.mode ?? 0,
        inputs: [
          { name: 'clip', type: 'CLIP' },
          { name: 'Negative clip', type: 'CLIP' },
          { name: 'model', type: 'MODEL' },
          { name: 'latent_image', type: 'LATENT' },
        ],
        outputs: ['LATENT'],
        widgets_values: o.values ?? VALUES,
      },
      { id: 8, type: 'VAEDecode', inputs: [{ name: 'samples' }, { name: 'vae' }], outputs: ['IMAGE'] },
    ],
    links: [
      [1, 4, 1, 5, 0, 'CLIP'],
      [2, 4, 1, 5, 1, 'CLIP'],
      [3, 4, 0, 5, 2, 'MODEL'],
      [4, 6, 0, 5, 3, 'LATENT'],
      [5, 5, 0, 8, 0, 'LATENT'],
      [6, 4, 2, 8, 1, 'VAE'],
    ],
    extra: { groupNodes: o.groupNodes ?? { Sample: SAMPLE } },
  };
}
const convert = (spec: ComfyGraphSpec, version: 0.4 | 1 = 0.4) =>
  convertComfyUiWorkflow(zComfyUiWorkflow.parse(comfyUiWorkflow(spec, version)), types);
const inputsOf = (w: ReturnType<typeof convert>['workflow'], id: string) => ({ ...w.nodes[id]?.inputs });

describe('legacy group nodes', () => {
  it.each([0.4, 1] as const)(
    'expands a txt2img group: values on the right widgets, links in and out (schema %s)',
    (version) => {
      const { workflow, problems } = convert(graph({}), version);
      expect(problems.map((p) => [p.code, p.nodeId])).toEqual([['subgraph_inlined', '5']]);
      expect(problems[0]?.message).toBe(
        "group node 'Sample' #5 was inlined: its 3 node(s) are now 5:<inner id>",
      );
      expect(Object.keys(workflow.nodes).sort()).toEqual(['4', '5:0', '5:1', '5:2', '6', '8']);
      expect(inputsOf(workflow, '5:0')).toEqual({ text: 'a red cube', clip: ['4', 1] });
      expect(inputsOf(workflow, '5:1')).toEqual({ text: 'blurry', clip: ['4', 1] });
      expect(inputsOf(workflow, '5:2')).toEqual({
        seed: 7,
        steps: 2,
        cfg: 6.5,
        sampler_name: 'ddim',
        scheduler: 'karras',
        denoise: 0.75,
        model: ['4', 0],
        positive: ['5:0', 0],
        negative: ['5:1', 0],
        latent_image: ['6', 0],
      });
      expect(workflow.extra[SEED_CONTROL_KEY]).toEqual({ '5:2': { seed: 'randomize' } });
      expect(inputsOf(workflow, '8')).toEqual({ samples: ['5:2', 0], vae: ['4', 2] });
      // Laid out where the instance was, framed by a group titled with its name.
      expect(workflow.nodes['5:0']?.pos).toEqual([500, 200]);
      expect(workflow.groups.map((g) => g.title)).toEqual(['Sample']);
    },
  );

  it('appends widgets converted to inputs after all others, in the order of their slots', () => {
    // denoise was converted before seed: slots 4 and 5 (the frontend sorts the slot numbers as text).
    const inputs = [
      ...SAMPLER_INPUTS,
      { name: 'denoise', type: 'FLOAT', widget: true as const },
      { name: 'seed', type: 'INT', widget: true as const },
    ];
    const data = groupData([POSITIVE, NEGATIVE, { ...SAMPLER, inputs }], SAMPLE_LINKS);
    // text, Negative text, steps, cfg, sampler_name, scheduler, then denoise, seed (+control).
    const values = ['p2', 'n2', 3, 5.5, 'ddim', 'normal', 0.5, 11, 'increment'];
    const { workflow, problems } = convert(graph({ values, groupNodes: { Sample: data } }));
    expect(problems.map((p) => p.code)).toEqual(['subgraph_inlined']);
    expect(inputsOf(workflow, '5:1')).toMatchObject({ text: 'n2' });
    expect(inputsOf(workflow, '5:2')).toMatchObject({
      seed: 11,
      steps: 3,
      cfg: 5.5,
      sampler_name: 'ddim',
      scheduler: 'normal',
      denoise: 0.5,
    });
    expect(workflow.extra[SEED_CONTROL_KEY]).toEqual({ '5:2': { seed: 'increment' } });
  });
});
