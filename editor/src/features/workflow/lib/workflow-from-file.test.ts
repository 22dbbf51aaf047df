import { deflateSync } from 'node:zlib';
import { importNodeTypes } from '@momaflow/engine/protocol';
import { comfyUiWorkflow } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { imageWorkflow, OBJECT_INFO } from '../../../testing/builders';
import { readPngText } from './png-text';
import { workflowFromFile as read } from './workflow-from-file';

const types = importNodeTypes(OBJECT_INFO);
const workflowFromFile = (name: string, data: Uint8Array) => read(name, data, types);

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  // The reader does not check CRCs (browsers and libpng readers of text chunks do not need them).
  return out;
}

function png(...chunks: Uint8Array[]): Uint8Array {
  const parts = [
    new Uint8Array(SIGNATURE),
    chunk('IHDR', new Uint8Array(13)),
    ...chunks,
    chunk('IEND', new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const bytes = (...parts: (string | number[] | Uint8Array)[]) => {
  const arrays = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : new Uint8Array(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};

describe(readPngText.name, () => {
  it('reads tEXt, zTXt and iTXt (plain and compressed), first one per key wins', async () => {
    const text = await readPngText(
      png(
        chunk('tEXt', bytes('prompt', [0], '{"a":1}')),
        chunk('zTXt', bytes('comment', [0, 0], deflateSync(Buffer.from('zipped')))),
        chunk('iTXt', bytes('workflow', [0, 0, 0], 'en', [0], [0], 'chat 猫')),
        chunk('iTXt', bytes('title', [0, 1, 0, 0, 0], deflateSync(Buffer.from('ü')))),
        chunk('tEXt', bytes('prompt', [0], 'second')),
      ),
    );
    expect(text).toEqual({ prompt: '{"a":1}', comment: 'zipped', workflow: 'chat 猫', title: 'ü' });
  });

  it('returns nothing for data that is not a PNG, and stops at a truncated chunk', async () => {
    expect(await readPngText(bytes('not a png'))).toEqual({});
    const full = png(chunk('tEXt', bytes('a', [0], 'b')));
    expect(await readPngText(full.subarray(0, full.length - 20))).toEqual({});
  });
});

describe(read.name, () => {
  const workflow = imageWorkflow();

  it('restores the workflow SaveImage embedded', async () => {
    const file = png(chunk('tEXt', bytes('workflow', [0], JSON.stringify(workflow))));
    expect(await workflowFromFile('out.png', file)).toEqual({ ok: true, workflow });
  });

  it('falls back to the embedded prompt, laid out by depth', async () => {
    const prompt = {
      '1': { class_type: 'LoadImage', inputs: { image: 'a.png' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0] } },
    };
    const parsed = await workflowFromFile(
      'api.png',
      png(chunk('tEXt', bytes('prompt', [0], JSON.stringify(prompt)))),
    );
    expect(parsed.ok && parsed.workflow.nodes['2']).toMatchObject({
      class_type: 'SaveImage',
      inputs: { images: ['1', 0] },
      pos: [360, 0],
    });
  });

  it.each([
    ['a PNG without text', png(), /no embedded workflow/],
    ['broken JSON in a PNG', png(chunk('tEXt', bytes('workflow', [0], '{'))), /not valid JSON/],
    [
      'a JSON file that is not a workflow',
      bytes('{"version": 9, "nodes": []}'),
      /unsupported workflow version/,
    ],
    ['a prompt with no nodes', bytes('{"x": 5}'), /no entry is a node/],
    ['text that is not JSON', bytes('hello'), /neither a PNG nor valid JSON/],
  ])('explains %s', async (_name, data, message) => {
    const parsed = await workflowFromFile('x', data);
    expect(!parsed.ok && parsed.messages.join()).toMatch(message);
  });

  it('reads a workflow JSON file', async () => {
    expect(await workflowFromFile('w.json', bytes(JSON.stringify(workflow)))).toEqual({ ok: true, workflow });
  });
});

describe('opening ComfyUI files', () => {
  const file = comfyUiWorkflow(
    {
      nodes: [
        {
          id: 1,
          type: 'LoadImage',
          pos: [5, 6],
          widgets_values: ['cat.png', 'image'],
          outputs: ['IMAGE', 'MASK'],
        },
        { id: 2, type: 'Sampler', widgets_values: [7, 'increment', 6.5, 0.5, 'ddim', 'hello', 'extra'] },
        { id: 3, type: 'SaveImage', title: 'Out', inputs: [{ name: 'images' }], widgets_values: ['cats'] },
        { id: 4, type: 'Upscaler9000', properties: { cnr_id: 'comfyui-upscalers' } },
      ],
      links: [[1, 1, 0, 3, 0, 'IMAGE']],
    },
    1,
  );

  it.each([
    ['its workflow JSON', bytes(JSON.stringify(file))],
    ['a PNG it saved', png(chunk('tEXt', bytes('workflow', [0], JSON.stringify(file))))],
  ])('maps widget values and links of %s, and lists what the import changed', async (_, data) => {
    const parsed = await workflowFromFile('comfy', data);
    if (!parsed.ok) throw new Error(parsed.messages.join());
    expect(parsed.workflow.nodes['1']).toMatchObject({ inputs: { image: 'cat.png' }, pos: [5, 6] });
    expect({ ...parsed.workflow.nodes['2']?.inputs }).toEqual({
      seed: 7,
      cfg: 6.5,
      denoise: 0.5,
      sampler_name: 'ddim',
      note: 'hello',
    });
    expect(parsed.workflow.nodes['3']).toMatchObject({
      title: 'Out',
      inputs: { images: ['1', 0], filename_prefix: 'cats' },
    });
    expect(parsed.workflow.extra.seed_control).toEqual({ '2': { seed: 'increment' } });
    expect(parsed.problems?.map((p) => [p.code, p.nodeId])).toEqual([
      ['widget_values_left_over', '2'],
      ['unknown_node_type', '4'],
    ]);
    expect(parsed.problems?.[1]?.message).toContain("'comfyui-upscalers'");
  });
});
