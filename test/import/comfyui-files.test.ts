/**
 * Issue 13 acceptance: ComfyUI's files converted against the built-in node schemas. ComfyUI's
 * default graph (its frontend's `defaultGraph`) in both UI schemas, and PNGs laid out as ComfyUI
 * writes them (tEXt `prompt` and `workflow` before the image data), keep every node, link, widget
 * value and position; `momaflow run` on such a PNG of a txt2img graph writes an image with the
 * tiny model, and so does `momaflow run` on a workflow whose prompts and sampler sit in a subgraph
 * or in a legacy group node.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createNodeEnv,
  type ImportNodeTypes,
  importNodeTypes,
  importWorkflow,
  objectInfo,
  type Prompt,
  SILENT_LOGGER,
  validatePrompt,
  type Workflow,
  workflowToPrompt,
} from '@momaflow/engine';
import { type ComfyGraphSpec, comfyUiWorkflow, groupNodeDefinition } from '@momaflow/engine/testing';
import {
  createBuiltinRegistry,
  decodeImage,
  makeTinySd15,
  readPngText,
  TINY_SD15_FILE,
} from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { memoryIo } from '../../server/src/cli/memory-io';
import { readWorkflowFile } from '../../server/src/import';
import { encodePng } from '../e2e/support/png';

/** ComfyUI's default graph (ComfyUI_frontend `src/scripts/defaultGraph.ts`), layout included. */
function defaultGraph(o: { ckpt: string; size: number; steps: number }): ComfyGraphSpec {
  return {
    nodes: [
      {
        id: 7,
        type: 'CLIPTextEncode',
        pos: [413, 389],
        size: [425.28, 180.61],
        inputs: [{ name: 'clip' }],
        outputs: ['CONDITIONING'],
        widgets_values: ['text, watermark'],
      },
      {
        id: 6,
        type: 'CLIPTextEncode',
        pos: [415, 186],
        size: [422.85, 164.31],
        inputs: [{ name: 'clip' }],
        outputs: ['CONDITIONING'],
        widgets_values: ['beautiful scenery nature glass bottle landscape, , purple galaxy bottle,'],
      },
      {
        id: 5,
        type: 'EmptyLatentImage',
        pos: [473, 609],
        size: [315, 106],
        outputs: ['LATENT'],
        widgets_values: [o.size, o.size, 1],
      },
      {
        id: 3,
        type: 'KSampler',
        pos: [863, 186],
        size: [315, 262],
        inputs: [{ name: 'model' }, { name: 'positive' }, { name: 'negative' }, { name: 'latent_image' }],
        outputs: ['LATENT'],
        // The default graph stores the seed's control as the old boolean toggle (true: randomize).
        widgets_values: [156680208700286, true, o.steps, 8, 'euler', 'normal', 1],
      },
      {
        id: 8,
        type: 'VAEDecode',
        pos: [1209, 188],
        size: [210, 46],
        inputs: [{ name: 'samples' }, { name: 'vae' }],
        outputs: ['IMAGE'],
      },
      {
        id: 9,
        type: 'SaveImage',
        pos: [1451, 189],
        size: [210, 26],
        inputs: [{ name: 'images' }],
        widgets_values: ['ComfyUI'],
      },
      {
        id: 4,
        type: 'CheckpointLoaderSimple',
        pos: [26, 474],
        size: [315, 98],
        outputs: ['MODEL', 'CLIP', 'VAE'],
        widgets_values: [o.ckpt],
      },
    ],
    links: [
      [1, 4, 0, 3, 0, 'MODEL'],
      [2, 5, 0, 3, 3, 'LATENT'],
      [3, 4, 1, 6, 0, 'CLIP'],
      [4, 6, 0, 3, 1, 'CONDITIONING'],
      [5, 4, 1, 7, 0, 'CLIP'],
      [6, 7, 0, 3, 2, 'CONDITIONING'],
      [7, 3, 0, 8, 0, 'LATENT'],
      [8, 4, 2, 8, 1, 'VAE'],
      [9, 8, 0, 9, 0, 'IMAGE'],
    ],
    groups: [{ id: 1, title: 'Text to image', bounding: [0, 100, 1700, 650] }],
  };
}

/**
 * The default graph with its prompts and KSampler moved into a subgraph, as ComfyUI's "Convert to
 * Subgraph" leaves it: the positive prompt's text and the steps promoted onto the instance (#10),
 * whose values differ from the stale ones stored inside.
 */
function txt2imgSubgraph(o: { ckpt: string; size: number; steps: number; text: string }): ComfyGraphSpec {
  const id = '3f0c9a52-6b1e-4d7a-8c2f-9e4b5a6d7c8e';
  return {
    nodes: [
      {
        id: 4,
        type: 'CheckpointLoaderSimple',
        pos: [26, 474],
        outputs: ['MODEL', 'CLIP', 'VAE'],
        widgets_values: [o.ckpt],
      },
      {
        id: 5,
        type: 'EmptyLatentImage',
        pos: [473, 609],
        outputs: ['LATENT'],
        widgets_values: [o.size, o.size, 1],
      },
      {
        id: 10,
        type: id,
        pos: [500, 200],
        inputs: [
          { name: 'model', type: 'MODEL' },
          { name: 'clip', type: 'CLIP' },
          { name: 'latent_image', type: 'LATENT' },
          { name: 'text', type: 'STRING', widget: true },
          { name: 'steps', type: 'INT', widget: true },
        ],
        outputs: ['LATENT'],
        widgets_values: [o.text, o.steps],
      },
      {
        id: 8,
        type: 'VAEDecode',
        pos: [1209, 188],
        inputs: [{ name: 'samples' }, { name: 'vae' }],
        outputs: ['IMAGE'],
      },
      {
        id: 9,
        type: 'SaveImage',
        pos: [1451, 189],
        inputs: [{ name: 'images' }],
        widgets_values: ['ComfyUI'],
      },
    ],
    links: [
      [1, 4, 0, 10, 0, 'MODEL'],
      [2, 4, 1, 10, 1, 'CLIP'],
      [3, 5, 0, 10, 2, 'LATENT'],
      [4, 10, 0, 8, 0, 'LATENT'],
      [5, 4, 2, 8, 1, 'VAE'],
      [6, 8, 0, 9, 0, 'IMAGE'],
    ],
    subgraphs: [
      {
        id,
        name: 'Sample',
        inputs: [
          { name: 'model', type: 'MODEL' },
          { name: 'clip', type: 'CLIP' },
          { name: 'latent_image', type: 'LATENT' },
          { name: 'text', type: 'STRING' },
          { name: 'steps', type: 'INT' },
        ],
        outputs: [{ name: 'LATENT', type: 'LATENT' }],
        nodes: [
          {
            id: 6,
            type: 'CLIPTextEncode',
            pos: [415, 186],
            inputs: [{ name: 'clip' }, { name: 'text', widget: true }],
            outputs: ['CONDITIONING'],
            widgets_values: ['stale text stored inside'],
          },
          {
            id: 7,
            type: 'CLIPTextEncode',
            pos: [413, 389],
            inputs: [{ name: 'clip' }],
            outputs: ['CONDITIONING'],
            widgets_values: ['text, watermark'],
          },
          {
            id: 3,
            type: 'KSampler',
            pos: [863, 186],
            inputs: [
              { name: 'model' },
              { name: 'positive' },
              { name: 'negative' },
              { name: 'latent_image' },
              { name: 'steps', widget: true },
            ],
            outputs: ['LATENT'],
            widgets_values: [156680208700286, 'fixed', 20, 8, 'euler', 'normal', 1],
          },
        ],
        links: [
          [1, -10, 0, 3, 0, 'MODEL'],
          [2, -10, 1, 6, 0, 'CLIP'],
          [3, -10, 1, 7, 0, 'CLIP'],
          [4, -10, 2, 3, 3, 'LATENT'],
          [5, -10, 3, 6, 1, 'STRING'],
          [6, -10, 4, 3, 4, 'INT'],
          [7, 6, 0, 3, 1, 'CONDITIONING'],
          [8, 7, 0, 3, 2, 'CONDITIONING'],
          [9, 3, 0, -20, 0, 'LATENT'],
        ],
      },
    ],
  };
}

/**
 * Checks `workflow` against the ComfyUI file it came from, computing the expected widget values on
 * its own: one value per widget in schema order, plus the control value after a seed.
 */
function expectSameGraph(file: Record<string, unknown>, workflow: Workflow, types: ImportNodeTypes) {
  const nodes = file.nodes as {
    id: number;
    type: string;
    pos: number[];
    size: number[];
    inputs: { name: string }[];
    widgets_values?: unknown[];
  }[];
  expect(Object.keys(workflow.nodes).sort()).toEqual(nodes.map((n) => String(n.id)).sort());
  for (const node of nodes) {
    const imported = workflow.nodes[String(node.id)]!;
    expect([imported.class_type, imported.pos, imported.size, imported.mode]).toEqual([
      node.type,
      node.pos,
      node.size,
      'always',
    ]);
    let at = 0;
    for (const widget of types(node.type)!.widgets) {
      expect(imported.inputs[widget.name], `${node.type} #${node.id} ${widget.name}`).toEqual(
        node.widgets_values?.[at],
      );
      at += widget.extra === 'control' ? 2 : 1;
    }
  }
  const links = (file.links as unknown[]).map((l) => (Array.isArray(l) ? l : Object.values(l as object))) as [
    number,
    number,
    number,
    number,
    number,
  ][];
  for (const [, origin, slot, target, targetSlot] of links) {
    const name = nodes.find((n) => n.id === target)!.inputs[targetSlot]!.name;
    expect(workflow.nodes[String(target)]!.inputs[name]).toEqual([String(origin), slot]);
  }
  expect(workflow.groups.map((g) => [g.title, g.bounding])).toEqual([['Text to image', [0, 100, 1700, 650]]]);
}

/**
 * The same txt2img graph with its prompts and KSampler made into a legacy group node ("Convert to
 * Group Node", frontends before subgraphs): the definition in `extra.groupNodes`, stale values
 * inside, the instance's (#10) own in the group's widget order.
 */
function txt2imgGroupNode(o: { ckpt: string; size: number; steps: number; text: string }): ComfyGraphSpec {
  const clip = { name: 'clip', type: 'CLIP' };
  const prompt = (id: number, text: string) => ({
    id,
    type: 'CLIPTextEncode',
    pos: [415, 186 + 200 * (id - 6)] as const,
    inputs: [clip],
    outputs: ['CONDITIONING'],
    widgets_values: [text],
  });
  const sample = groupNodeDefinition({
    nodes: [
      prompt(6, 'stale text stored inside'),
      prompt(7, 'stale negative'),
      {
        id: 3,
        type: 'KSampler',
        pos: [863, 186],
        inputs: ['model', 'positive', 'negative', 'latent_image'].map((name) => ({ name })),
        outputs: ['LATENT'],
        widgets_values: [1, 'fixed', 20, 8, 'euler', 'normal', 1],
      },
    ],
    links: [
      [null, 1, 0, 0, 4, 'CLIP'],
      [0, 0, 2, 1, 6, 'CONDITIONING'],
      [1, 0, 2, 2, 7, 'CONDITIONING'],
    ],
  });
  const base = txt2imgSubgraph(o);
  return {
    nodes: base.nodes.map((n) =>
      n.id === 10
        ? {
            id: 10,
            type: 'workflow>Sample',
            pos: [500, 200],
            inputs: [
              { name: 'clip', type: 'CLIP' },
              { name: 'CLIPTextEncode clip', type: 'CLIP' },
              { name: 'model', type: 'MODEL' },
              { name: 'latent_image', type: 'LATENT' },
            ],
            outputs: ['LATENT'],
            // text, CLIPTextEncode text, seed (+control), steps, cfg, sampler_name, scheduler, denoise
            widgets_values: [o.text, 'text, watermark', 5, 'fixed', o.steps, 8, 'euler', 'normal', 1],
          }
        : n,
    ),
    links: [
      [1, 4, 1, 10, 0, 'CLIP'],
      [2, 4, 1, 10, 1, 'CLIP'],
      [3, 4, 0, 10, 2, 'MODEL'],
      [4, 5, 0, 10, 3, 'LATENT'],
      [5, 10, 0, 8, 0, 'LATENT'],
      [6, 4, 2, 8, 1, 'VAE'],
      [7, 8, 0, 9, 0, 'IMAGE'],
    ],
    extra: { groupNodes: { Sample: sample } },
  };
}

describe('ComfyUI files', () => {
  let root: string;
  let types: ImportNodeTypes;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'momaflow-comfy-files-'));
    const dirs = { input: root, output: root, temp: root, models: root };
    types = importNodeTypes(
      await objectInfo(createBuiltinRegistry(), createNodeEnv({ dirs, log: SILENT_LOGGER })),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Validates `prompt` against the built-in nodes, then runs `file` with `momaflow run --set`: its warnings and the PNG's prompt. */
  async function validateAndRun(
    prompt: Prompt,
    file: unknown,
    o: { name: string; size: number; set: string },
  ): Promise<{ stderr: string; saved: Record<string, { inputs: Record<string, unknown> }> }> {
    const models = path.join(root, 'models');
    await makeTinySd15({ modelsDir: models, ifAbsent: true });
    const env = createNodeEnv({
      dirs: { input: root, output: root, temp: root, models },
      log: SILENT_LOGGER,
    });
    const checked = await validatePrompt(prompt, { registry: createBuiltinRegistry(), env });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const json = path.join(root, `txt2img-${o.name}.json`);
    await writeFile(json, JSON.stringify(file));
    const out = path.join(root, `${o.name}-output`);
    const { io, err } = memoryIo();
    expect(await main(['run', json, '--data', root, '--out', out, '--set', o.set], io), err()).toBe(0);
    const [written] = await readdir(out);
    const bytes = await readFile(path.join(out, written!));
    expect((await decodeImage(bytes)).image.shape).toEqual([1, o.size, o.size, 3]);
    return { stderr: err(), saved: JSON.parse(readPngText(bytes).prompt!) };
  }

  it.each([0.4, 1] as const)(
    'converts the default graph of schema %s: nodes, links, widget values, layout',
    (version) => {
      const file = JSON.parse(
        JSON.stringify(
          comfyUiWorkflow(defaultGraph({ ckpt: 'v1-5-pruned-emaonly.ckpt', size: 512, steps: 20 }), version),
        ),
      );
      const imported = importWorkflow(file, types);
      if (!imported.ok) throw new Error(JSON.stringify(imported.issues));
      expect(imported.value.problems).toEqual([]);
      expectSameGraph(file, imported.value.workflow, types);
      expect(imported.value.workflow.extra.seed_control).toEqual({ '3': { seed: 'randomize' } });
    },
  );

  it('reads a ComfyUI PNG: the workflow chunk, else the prompt chunk', async () => {
    const file = comfyUiWorkflow(defaultGraph({ ckpt: 'x.ckpt', size: 512, steps: 20 }), 1);
    const direct = importWorkflow(JSON.parse(JSON.stringify(file)), types);
    const prompt = workflowToPrompt(
      direct.ok ? direct.value.workflow : ({} as never),
      createBuiltinRegistry(),
    );
    const withBoth = path.join(root, 'ComfyUI_00001_.png');
    await writeFile(
      withBoth,
      encodePng(
        8,
        8,
        [9, 9, 9, 255],
        [
          ['prompt', JSON.stringify(prompt)],
          ['workflow', JSON.stringify(file)],
        ],
      ),
    );
    const fromPng = await readWorkflowFile(withBoth, types);
    expect(fromPng.ok && fromPng.value.source).toBe('comfyui-ui');
    expect(fromPng.ok && JSON.stringify(fromPng.value.workflow)).toBe(
      direct.ok && JSON.stringify(direct.value.workflow),
    );
    const promptOnly = path.join(root, 'api.png');
    await writeFile(promptOnly, encodePng(8, 8, [9, 9, 9, 255], [['prompt', JSON.stringify(prompt)]]));
    const fromPrompt = await readWorkflowFile(promptOnly, types);
    expect(fromPrompt.ok && fromPrompt.value.source).toBe('comfyui-api');
    expect(fromPrompt.ok && workflowToPrompt(fromPrompt.value.workflow, createBuiltinRegistry())).toEqual(
      prompt,
    );
  });

  it('momaflow run on a ComfyUI PNG of a txt2img graph writes an image with the tiny model', async () => {
    await makeTinySd15({ modelsDir: path.join(root, 'models'), ifAbsent: true });
    const file = comfyUiWorkflow(defaultGraph({ ckpt: TINY_SD15_FILE, size: 128, steps: 4 }), 0.4);
    const png = path.join(root, 'txt2img-from-comfyui.png');
    await writeFile(png, encodePng(8, 8, [1, 2, 3, 255], [['workflow', JSON.stringify(file)]]));
    const out = path.join(root, 'run-output');
    const { io, err } = memoryIo();
    expect(await main(['run', png, '--data', root, '--out', out], io), err()).toBe(0);
    const [written] = await readdir(out);
    expect(written).toBe('ComfyUI_00001_.png');
    const { image } = await decodeImage(await readFile(path.join(out, written!)));
    expect(image.shape).toEqual([1, 128, 128, 3]);
  });

  it('inlines a txt2img subgraph into a prompt the built-in nodes validate, and momaflow run runs it', async () => {
    const spec = { ckpt: TINY_SD15_FILE, size: 64, steps: 2, text: 'a red cube on a table' };
    const file = comfyUiWorkflow(txt2imgSubgraph(spec), 1);
    const imported = importWorkflow(JSON.parse(JSON.stringify(file)), types);
    if (!imported.ok) throw new Error(JSON.stringify(imported.issues));
    expect(imported.value.problems.map((p) => [p.code, p.nodeId])).toEqual([['subgraph_inlined', '10']]);
    const registry = createBuiltinRegistry();
    const prompt = workflowToPrompt(imported.value.workflow, registry);
    expect(Object.keys(prompt).sort()).toEqual(['10:3', '10:6', '10:7', '4', '5', '8', '9']);
    expect(prompt['10:6']?.inputs).toEqual({ clip: ['4', 1], text: spec.text });
    expect(prompt['10:3']?.inputs).toMatchObject({
      model: ['4', 0],
      positive: ['10:6', 0],
      negative: ['10:7', 0],
      latent_image: ['5', 0],
      steps: spec.steps,
    });
    expect(prompt['8']?.inputs).toEqual({ samples: ['10:3', 0], vae: ['4', 2] });
    // Inlined nodes are addressed by their <instance>:<inner> ids.
    const ran = await validateAndRun(prompt, file, { name: 'subgraph', size: spec.size, set: '10:3.seed=7' });
    expect(ran.stderr).toMatch(/subgraph 'Sample' #10 was inlined/);
    expect(ran.saved['10:3']?.inputs).toMatchObject({ seed: 7, steps: spec.steps });
  });

  it('expands a txt2img legacy group node into a prompt the built-in nodes validate, and momaflow run runs it', async () => {
    const spec = { ckpt: TINY_SD15_FILE, size: 64, steps: 2, text: 'a red cube on a table' };
    const file = comfyUiWorkflow(txt2imgGroupNode(spec), 0.4);
    const imported = importWorkflow(JSON.parse(JSON.stringify(file)), types);
    if (!imported.ok) throw new Error(JSON.stringify(imported.issues));
    expect(imported.value.problems.map((p) => [p.code, p.nodeId])).toEqual([['subgraph_inlined', '10']]);
    const registry = createBuiltinRegistry();
    const prompt = workflowToPrompt(imported.value.workflow, registry);
    // The ids ComfyUI's frontend sends for a group node's inner nodes: <instance>:<index>.
    expect(Object.keys(prompt).sort()).toEqual(['10:0', '10:1', '10:2', '4', '5', '8', '9']);
    expect(prompt['10:0']?.inputs).toEqual({ clip: ['4', 1], text: spec.text });
    expect(prompt['10:1']?.inputs).toEqual({ clip: ['4', 1], text: 'text, watermark' });
    expect(prompt['10:2']?.inputs).toMatchObject({
      model: ['4', 0],
      positive: ['10:0', 0],
      negative: ['10:1', 0],
      latent_image: ['5', 0],
      seed: 5,
      steps: spec.steps,
    });
    expect(prompt['8']?.inputs).toEqual({ samples: ['10:2', 0], vae: ['4', 2] });
    const ran = await validateAndRun(prompt, file, {
      name: 'group-node',
      size: spec.size,
      set: '10:2.cfg=7',
    });
    expect(ran.stderr).toMatch(/group node 'Sample' #10 was inlined/);
    expect(ran.saved['10:2']?.inputs).toMatchObject({ seed: 5, steps: spec.steps, cfg: 7 });
  });
});
