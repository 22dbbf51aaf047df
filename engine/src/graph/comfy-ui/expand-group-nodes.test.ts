import { describe, expect, it } from 'vitest';
import {
  type ComfyGraphSpec,
  type ComfyNodeSpec,
  comfyUiWorkflow,
  type GroupNodeLinkSpec,
  groupNodeDefinition,
} from '../../testing/comfy-ui-builder';
import { SEED_CONTROL_KEY } from '../workflow';
import { zComfyUiWorkflow } from './comfy-ui-schema';
import { convertComfyUiWorkflow } from './convert-comfy-ui';
import { importNodeTypes, type ObjectInfoEntry } from './import-node-types';

/** The object_info entries ComfyUI serves for these types (inputs in its order). */
const INFO: Record<string, ObjectInfoEntry> = {
  CheckpointLoaderSimple: {
    input: { required: { ckpt_name: [['tiny.safetensors']] } },
    output: ['MODEL', 'CLIP', 'VAE'],
  },
  EmptyLatentImage: {
    input: { required: { width: ['INT', {}], height: ['INT', {}], batch_size: ['INT', {}] } },
    output: ['LATENT'],
  },
  CLIPTextEncode: {
    input: { required: { text: ['STRING', { multiline: true }], clip: ['CLIP'] } },
    output: ['CONDITIONING'],
  },
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
    output: ['LATENT'],
  },
  /** A link-only seed (forceInput): the frontend still counts it as one of the group's widgets. */
  Reseed: {
    input: {
      required: { samples: ['LATENT'], seed: ['INT', { forceInput: true }], strength: ['FLOAT', {}] },
    },
    output: ['LATENT'],
  },
  PrimitiveInt: { input: { required: { value: ['INT', {}] } }, output: ['INT'] },
  VAEDecode: { input: { required: { samples: ['LATENT'], vae: ['VAE'] } }, output: ['IMAGE'] },
};
const types = importNodeTypes(INFO);

/** A group definition: the nodes (ids from the graph it was made in) and links by index. */
const groupData = (nodes: readonly Omit<ComfyNodeSpec, 'id'>[], links: readonly GroupNodeLinkSpec[]) =>
  groupNodeDefinition({ nodes: nodes.map((n, index) => ({ ...n, id: 100 + index })), links });
type InnerSpec = Omit<ComfyNodeSpec, 'id'>;

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
const SAMPLE_LINKS: GroupNodeLinkSpec[] = [
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
      { name: 'denoise', type: 'FLOAT', widget: true },
      { name: 'seed', type: 'INT', widget: true },
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

  it('shows an output linked inside when external lists it, and takes a link into a widget socket', () => {
    const data = groupNodeDefinition({
      nodes: [POSITIVE, NEGATIVE, SAMPLER].map((n, index) => ({ ...n, id: 100 + index })),
      links: SAMPLE_LINKS,
      external: [[0, 0, 'CONDITIONING']],
    });
    const spec = graph({ groupNodes: { Sample: data } });
    const { workflow, problems } = convert({
      ...spec,
      nodes: [
        ...spec.nodes.map((n) =>
          n.id === 5
            ? {
                ...n,
                inputs: [...(n.inputs ?? []), { name: 'steps', type: 'INT', widget: true }],
                outputs: ['CONDITIONING', 'LATENT'],
              }
            : n,
        ),
        { id: 7, type: 'PrimitiveInt', outputs: ['INT'], widgets_values: [3] },
      ],
      // The instance's outputs: 0 the positive prompt's (external), 1 the sampler's.
      links: [
        ...(spec.links ?? []).filter((l) => l[0] !== 5),
        [5, 5, 1, 8, 0, 'LATENT'],
        [7, 7, 0, 5, 4, 'INT'],
      ],
    });
    expect(problems.map((p) => p.code)).toEqual(['subgraph_inlined']);
    expect(inputsOf(workflow, '8')).toEqual({ samples: ['5:2', 0], vae: ['4', 2] });
    expect(inputsOf(workflow, '5:2')).toMatchObject({ steps: ['7', 0], cfg: 6.5, positive: ['5:0', 0] });
  });

  it('counts a link-only widget input among the group widgets, and links it from outside', () => {
    const reseed = {
      type: 'Reseed',
      inputs: [
        { name: 'samples', type: 'LATENT' },
        { name: 'seed', type: 'INT' },
      ],
      outputs: ['LATENT'],
      widgets_values: [0.1],
    };
    const data = groupData([SAMPLER, reseed], [[0, 0, 1, 0, 102, 'LATENT']]);
    // steps..denoise of the sampler, then Reseed's seed (+control, as every seed) and strength.
    const values = [1, 'fixed', 4, 7, 'euler', 'normal', 1, 0, 'fixed', 0.3];
    const { workflow, problems } = convert({
      nodes: [
        { id: 7, type: 'PrimitiveInt', outputs: ['INT'], widgets_values: [42] },
        {
          id: 5,
          type: 'workflow>Reseeded',
          inputs: [
            { name: 'model', type: 'MODEL' },
            { name: 'positive', type: 'CONDITIONING' },
            { name: 'negative', type: 'CONDITIONING' },
            { name: 'latent_image', type: 'LATENT' },
            // The second seed takes its node's type in front.
            { name: 'Reseed seed', type: 'INT', widget: true },
          ],
          outputs: ['LATENT'],
          widgets_values: values,
        },
      ],
      links: [[1, 7, 0, 5, 4, 'INT']],
      extra: { groupNodes: { Reseeded: data } },
    });
    expect(problems.map((p) => [p.code, p.nodeId])).toContainEqual(['subgraph_inlined', '5']);
    expect(inputsOf(workflow, '5:0')).toMatchObject({ seed: 1, steps: 4, cfg: 7 });
    expect(inputsOf(workflow, '5:1')).toEqual({ samples: ['5:0', 0], seed: ['7', 0], strength: 0.3 });
  });

  it('folds a Reroute inside the group and ignores a PrimitiveNode that feeds nothing', () => {
    const reroute: InnerSpec = {
      type: 'Reroute',
      inputs: [{ name: '', type: '*' }],
      outputs: ['CONDITIONING'],
    };
    const idle: InnerSpec = { type: 'PrimitiveNode', outputs: ['INT'], widgets_values: [5, 'fixed'] };
    const data = groupData(
      [POSITIVE, reroute, NEGATIVE, idle, SAMPLER],
      [
        [0, 0, 1, 0, 100, 'CONDITIONING'],
        [1, 0, 4, 1, 101, 'CONDITIONING'],
        [2, 0, 4, 2, 102, 'CONDITIONING'],
      ],
    );
    const { workflow, problems } = convert(graph({ groupNodes: { Sample: data } }));
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['subgraph_inlined', '5'],
      ['reroute_folded', '5:1'],
      ['primitive_inlined', '5:3'],
    ]);
    expect(inputsOf(workflow, '5:4')).toMatchObject({ seed: 7, positive: ['5:0', 0], negative: ['5:2', 0] });
    expect(inputsOf(workflow, '5:2')).toEqual({ text: 'blurry', clip: ['4', 1] });
  });

  it('runs none of a muted or bypassed instance; a bypassed one passes its LATENT input through', () => {
    const bypassed = convert(graph({ mode: 4 }));
    expect(Object.keys(bypassed.workflow.nodes).sort()).toEqual(['4', '6', '8']);
    expect(inputsOf(bypassed.workflow, '8')).toEqual({ samples: ['6', 0], vae: ['4', 2] });
    expect(bypassed.problems.map((p) => p.message)).toEqual([
      "group node 'Sample' #5 is bypassed: its nodes were not imported, as ComfyUI runs none of them; its outputs read from its inputs of the same type",
    ]);
    const muted = convert(graph({ mode: 2 }));
    expect(inputsOf(muted.workflow, '8')).toEqual({ vae: ['4', 2] });
    expect(muted.problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['link_dropped', '8'],
      ['subgraph_inlined', '5'],
    ]);
    expect(muted.problems[0]?.message).toMatch(/its source, group node 'Sample' #5, is muted/);
  });

  it('reads the older workflow/Name type the same way', () => {
    const { workflow } = convert(graph({ type: 'workflow/Sample' }));
    expect(inputsOf(workflow, '5:0')).toEqual({ text: 'a red cube', clip: ['4', 1] });
  });

  const feeding: InnerSpec = { type: 'PrimitiveNode', outputs: ['INT'], widgets_values: [5, 'fixed'] };
  const seedInput = [...SAMPLER_INPUTS, { name: 'seed', type: 'INT', widget: true }];
  it.each([
    [
      'no definition',
      graph({ type: 'workflow>Missing' }),
      "node #5 is an instance of legacy group node 'Missing', which cannot be expanded exactly: the file's extra.groupNodes holds no definition of it; it is kept and will not run",
    ],
    [
      'too few values',
      graph({ values: VALUES.slice(2) }),
      `node #5 is an instance of legacy group node 'Sample', which cannot be expanded exactly: it holds 7 widget value(s), but the group's widgets take 9 (8 without "control after generate" and upload values); it is kept and will not run`,
    ],
    [
      'an unknown inner type',
      graph({ groupNodes: { Sample: groupData([POSITIVE, { type: 'FancyNode' }], []) } }),
      "node #5 is an instance of legacy group node 'Sample', which cannot be expanded exactly: its node 1 (FancyNode) is a node type momaflow does not have; it is kept and will not run",
    ],
    [
      'a PrimitiveNode feeding an inner widget',
      graph({
        groupNodes: {
          Sample: groupData(
            [POSITIVE, NEGATIVE, feeding, { ...SAMPLER, inputs: seedInput }],
            [[2, 0, 3, 4, 9, 'INT']],
          ),
        },
      }),
      "node #5 is an instance of legacy group node 'Sample', which cannot be expanded exactly: its node 2 (PrimitiveNode) feeds inner nodes, whose widget layout differs between ComfyUI versions; it is kept and will not run",
    ],
  ])('refuses an instance with %s, naming the node and the group', (_, spec, message) => {
    const { workflow, problems } = convert(spec);
    expect(problems.map((p) => [p.code, p.nodeId, p.message])).toEqual([['unsupported_node', '5', message]]);
    // Kept like an unknown type: its values too, and the links out of it.
    expect(workflow.nodes['5']?.class_type).toMatch(/^workflow>/);
    expect(inputsOf(workflow, '8')).toEqual({ samples: ['5', 0], vae: ['4', 2] });
  });
});
