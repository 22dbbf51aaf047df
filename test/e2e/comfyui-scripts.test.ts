/**
 * Issue 13 acceptance: ComfyUI's own example clients, `script_examples/basic_api_example.py`,
 * `websockets_api_example.py` and `websockets_api_example_ws_images.py` (Comfy-Org/ComfyUI), replayed
 * request for request in TypeScript against the real server on the tiny model: the same URLs (no
 * `/api` prefix), headers (urllib's urlencoded label, websocket-client's Origin) and bodies
 * (`json.dumps` text). Each gets its images. `/prompt` also takes a ComfyUI frontend workflow.
 */
import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { comfyUiWorkflow } from '@momaflow/engine/testing';
import { decodeImage, makeTinySd15, readPngText } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pythonJsonDumps,
  type Received,
  urllibGet,
  urllibPost,
  websocketClientConnect,
} from './support/python-client';
import { startTestServer, type TestServer } from './support/test-server';
import { until } from './support/until';

/** The checkpoint the scripts name; the tiny model is saved under that name. */
const CKPT = 'v1-5-pruned-emaonly';

/** The scripts' `prompt_text` (ComfyUI's default graph in API format). */
function defaultGraph(output: Record<string, unknown>): Record<string, { inputs: Record<string, unknown> }> {
  return {
    '3': {
      class_type: 'KSampler',
      inputs: {
        cfg: 8,
        denoise: 1,
        latent_image: ['5', 0],
        model: ['4', 0],
        negative: ['7', 0],
        positive: ['6', 0],
        sampler_name: 'euler',
        scheduler: 'normal',
        seed: 8566257,
        steps: 20,
      },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: `${CKPT}.safetensors` } },
    '5': { class_type: 'EmptyLatentImage', inputs: { batch_size: 1, height: 512, width: 512 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { clip: ['4', 1], text: 'masterpiece best quality girl' } },
    '7': { class_type: 'CLIPTextEncode', inputs: { clip: ['4', 1], text: 'bad hands' } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    ...output,
  } as Record<string, { inputs: Record<string, unknown> }>;
}

/** What each script does to the graph before queueing it. */
function edited(graph: Record<string, { inputs: Record<string, unknown> }>) {
  graph['6']!.inputs.text = 'masterpiece best quality man';
  graph['3']!.inputs.seed = 5;
  return graph;
}

const saveImage = {
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
};

async function expectPng512(bytes: Uint8Array): Promise<void> {
  expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect((await decodeImage(bytes)).image.shape).toEqual([1, 512, 512, 3]);
}

describe("ComfyUI's example scripts", () => {
  let t: TestServer;
  let port: number;
  beforeAll(async () => {
    t = await startTestServer();
    port = t.server.port;
    const models = path.join(t.dataDir, 'models');
    const { checkpoint, yaml } = await makeTinySd15({ modelsDir: models });
    await rename(yaml, path.join(path.dirname(yaml), `${CKPT}.yaml`));
    await rename(checkpoint, path.join(path.dirname(checkpoint), `${CKPT}.safetensors`));
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('basic_api_example.py: POST /prompt with a urlencoded label queues the graph, and SaveImage writes the image', async () => {
    // queue_prompt(prompt): urllib.request.Request("http://127.0.0.1:8188/prompt", data=data); urlopen.
    const res = await urllibPost(
      port,
      '/prompt',
      pythonJsonDumps({ prompt: edited(defaultGraph(saveImage)) }),
    );
    expect(res.status).toBe(200);
    const { prompt_id: id } = JSON.parse(res.text) as { prompt_id: string };
    // The script stops here; the image is the server's to write.
    const entry = await until(
      async () => {
        const history = JSON.parse((await urllibGet(port, `/history/${id}`)).text) as Record<string, unknown>;
        return history[id] as { outputs: Record<string, { images: { filename: string }[] }> } | undefined;
      },
      { timeoutMs: 120_000, what: 'the basic example to finish' },
    );
    const [image] = entry.outputs['9']!.images;
    expect(image?.filename).toBe('ComfyUI_00001_.png');
    const view = await urllibGet(port, `/view?filename=${image!.filename}&subfolder=&type=output`);
    await expectPng512(view.bytes);
    expect(JSON.parse(readPngText(Buffer.from(view.bytes)).prompt ?? '{}')).toHaveProperty(
      '9.class_type',
      'SaveImage',
    );
  });

  it('websockets_api_example.py: waits on /ws for the end of its prompt, then reads /history and /view', async () => {
    const clientId = randomUUID();
    const ws = await websocketClientConnect(port, `/ws?clientId=${clientId}`);
    // get_images(ws, prompt)
    const promptId = randomUUID();
    const queued = await urllibPost(
      port,
      '/prompt',
      pythonJsonDumps({ prompt: edited(defaultGraph(saveImage)), client_id: clientId, prompt_id: promptId }),
    );
    expect(queued.status).toBe(200);
    for (;;) {
      const out: Received = await ws.recv();
      if (typeof out !== 'string') continue; // previews are binary data
      const message = JSON.parse(out) as { type: string; data: { node?: string | null; prompt_id?: string } };
      if (message.type === 'executing' && message.data.node === null && message.data.prompt_id === promptId)
        break;
    }
    const history = JSON.parse((await urllibGet(port, `/history/${promptId}`)).text) as Record<
      string,
      { outputs: Record<string, { images?: { filename: string; subfolder: string; type: string }[] }> }
    >;
    const images: Uint8Array[] = [];
    for (const nodeOutput of Object.values(history[promptId]!.outputs)) {
      for (const image of nodeOutput.images ?? []) {
        const query = new URLSearchParams({
          filename: image.filename,
          subfolder: image.subfolder,
          type: image.type,
        });
        // get_image: urllib.parse.urlencode({filename, subfolder, type}), urlopen(...).read()
        const res = await urllibGet(port, `/view?${query}`);
        expect(res.status).toBe(200);
        images.push(res.bytes);
      }
    }
    await ws.close();
    expect(images).toHaveLength(1);
    await expectPng512(images[0]!);
  });

  it('websockets_api_example_ws_images.py: SaveImageWebsocket sends the image as binary frames', async () => {
    const clientId = randomUUID();
    const ws = await websocketClientConnect(port, `/ws?clientId=${clientId}`);
    const graph = edited(
      defaultGraph({
        save_image_websocket_node: { class_type: 'SaveImageWebsocket', inputs: { images: ['8', 0] } },
      }),
    );
    const queued = await urllibPost(port, '/prompt', pythonJsonDumps({ prompt: graph, client_id: clientId }));
    expect(queued.status).toBe(200);
    const promptId = (JSON.parse(queued.text) as { prompt_id: string }).prompt_id;
    const outputImages = new Map<string, Uint8Array[]>();
    let currentNode = '';
    for (;;) {
      const out = await ws.recv();
      if (typeof out === 'string') {
        const message = JSON.parse(out) as {
          type: string;
          data: { node?: string | null; prompt_id?: string };
        };
        if (message.type === 'executing' && message.data.prompt_id === promptId) {
          if (message.data.node === null) break;
          currentNode = message.data.node ?? '';
        }
      } else if (currentNode === 'save_image_websocket_node') {
        expect([...out.subarray(0, 8)]).toEqual([0, 0, 0, 1, 0, 0, 0, 2]);
        outputImages.set(currentNode, [...(outputImages.get(currentNode) ?? []), out.subarray(8)]);
      }
    }
    await ws.close();
    const images = outputImages.get('save_image_websocket_node') ?? [];
    expect(images).toHaveLength(1);
    await expectPng512(images[0]!);
    expect(readPngText(Buffer.from(images[0]!))).toEqual({});
  });

  it('POST /prompt also takes a ComfyUI frontend workflow, and says what its import changed', async () => {
    const workflow = comfyUiWorkflow(
      {
        nodes: [
          { id: 1, type: 'TestNumber', widgets_values: [41, 'left over'], outputs: ['INT'] },
          { id: 2, type: 'TestShow', inputs: [{ name: 'value' }] },
        ],
        links: [[1, 1, 0, 2, 0, 'INT']],
      },
      1,
    );
    const res = await urllibPost(port, '/prompt', pythonJsonDumps({ prompt: workflow }));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as {
      prompt_id: string;
      import_problems: { code: string; nodeId: string }[];
    };
    expect(body.import_problems.map((p) => [p.code, p.nodeId])).toEqual([['widget_values_left_over', '1']]);
    const entry = await until(
      async () =>
        (
          JSON.parse((await urllibGet(port, `/history/${body.prompt_id}`)).text) as Record<
            string,
            { outputs: unknown }
          >
        )[body.prompt_id],
      { what: 'the imported workflow to run' },
    );
    expect(entry.outputs).toEqual({ '2': { text: ['41'] } });
  });

  it('POST /prompt runs a ComfyUI workflow with a subgraph, and refuses an instance without its definition', async () => {
    const shows = '7c1e4f2a-3b5d-4e6f-8a9b-0c1d2e3f4a5b';
    const graph = (instanceType: string) =>
      comfyUiWorkflow(
        {
          nodes: [
            { id: 1, type: 'TestNumber', widgets_values: [41], outputs: ['INT'] },
            { id: 3, type: instanceType, inputs: [{ name: 'value', type: 'INT' }] },
          ],
          links: [[1, 1, 0, 3, 0, 'INT']],
          subgraphs: [
            {
              id: shows,
              name: 'Shows',
              inputs: [{ name: 'value', type: 'INT' }],
              nodes: [{ id: 1, type: 'TestShow', inputs: [{ name: 'value' }] }],
              links: [[1, -10, 0, 1, 0, 'INT']],
            },
          ],
        },
        1,
      );
    const res = await urllibPost(port, '/prompt', pythonJsonDumps({ prompt: graph(shows) }));
    expect(res.status).toBe(200);
    const { prompt_id } = JSON.parse(res.text) as { prompt_id: string };
    const entry = await until(
      async () =>
        (
          JSON.parse((await urllibGet(port, `/history/${prompt_id}`)).text) as Record<
            string,
            { outputs: unknown }
          >
        )[prompt_id],
      { what: 'the workflow with a subgraph to run' },
    );
    expect(entry.outputs).toEqual({ '3:1': { text: ['41'] } });

    const missing = randomUUID();
    const refused = await urllibPost(port, '/prompt', pythonJsonDumps({ prompt: graph(missing) }));
    expect(refused.status).toBe(400);
    const body = JSON.parse(refused.text) as {
      node_errors: Record<string, { errors: { type: string; message: string }[] }>;
    };
    expect(body.node_errors['3']?.errors[0]?.message).toBe(
      `node #3 is a subgraph instance, but the file holds no definition of subgraph ${missing}; it is kept and will not run`,
    );
  });

  it('refuses a ComfyUI workflow with a node from a missing pack, naming node, type and pack', async () => {
    const workflow = comfyUiWorkflow(
      {
        nodes: [
          { id: 1, type: 'TestNumber', widgets_values: [1], outputs: ['INT'] },
          {
            id: 5,
            type: 'FaceDetailer',
            properties: { cnr_id: 'comfyui-impact-pack' },
            inputs: [{ name: 'x' }],
          },
          { id: 2, type: 'TestShow', inputs: [{ name: 'value' }] },
        ],
        links: [
          [1, 1, 0, 2, 0, 'INT'],
          [2, 1, 0, 5, 0, 'INT'],
        ],
      },
      0.4,
    );
    const res = await urllibPost(port, '/prompt', pythonJsonDumps({ prompt: workflow }));
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text) as {
      node_errors: Record<string, { errors: { type: string; message: string }[] }>;
    };
    expect(Object.keys(body.node_errors)).toEqual(['5']);
    expect(body.node_errors['5']?.errors[0]).toMatchObject({ type: 'unknown_node_type' });
    expect(body.node_errors['5']?.errors[0]?.message).toMatch(
      /'FaceDetailer' from node pack 'comfyui-impact-pack'/,
    );
  });
});
