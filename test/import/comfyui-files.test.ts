/**
 * Issue 13 acceptance: ComfyUI's files converted against the built-in node schemas. ComfyUI's
 * default graph (its frontend's `defaultGraph`) in both UI schemas, and PNGs laid out as ComfyUI
 * writes them (tEXt `prompt` and `workflow` before the image data), keep every node, link, widget
 * value and position; `momaflow run` on such a PNG of a txt2img graph writes an image with the
 * tiny model.
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
  SILENT_LOGGER,
  type Workflow,
  workflowToPrompt,
} from '@momaflow/engine';
import { type ComfyGraphSpec, comfyUiWorkflow } from '@momaflow/engine/testing';
import { createBuiltinRegistry, decodeImage, makeTinySd15, TINY_SD15_FILE } from '@momaflow/nodes';
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
});
