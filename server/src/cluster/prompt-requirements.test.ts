import {
  createNodeEnv,
  createNodeRegistry,
  defineNode,
  Input,
  SILENT_LOGGER,
  validatePrompt,
} from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import {
  missingRequirements,
  promptInputFiles,
  promptRequirements,
  readCapabilities,
  type WorkerCapabilities,
} from './prompt-requirements';

const Loader = defineNode({
  type: 'Loader',
  category: 'test',
  inputs: {
    ckpt: Input.combo({ options: () => ['a.safetensors', 'b.safetensors'] }),
    mode: Input.combo({ options: ['fast', 'slow'] }),
  },
  outputs: [{ type: 'TEST_MODEL' }],
  run: () => ['model'],
});
const Picture = defineNode({
  type: 'Picture',
  category: 'test',
  output: true,
  inputs: {
    model: Input.link('TEST_MODEL'),
    image: Input.combo({ options: () => ['cat.png'], upload: 'image' }),
  },
  outputs: [],
  run: () => [],
});
const registry = createNodeRegistry([Loader, Picture]);
const env = createNodeEnv({
  dirs: { input: '/x', output: '/x', temp: '/x', models: '/x' },
  log: SILENT_LOGGER,
});

async function validated() {
  const checked = await validatePrompt(
    {
      '1': { class_type: 'Loader', inputs: { ckpt: 'b.safetensors', mode: 'slow' } },
      '2': { class_type: 'Picture', inputs: { model: ['1', 0], image: 'cat.png' } },
    },
    { registry, env },
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return checked.value;
}

describe(promptRequirements.name, () => {
  it('needs the node types and the machine-dependent combo values, not static or upload combos', async () => {
    const prompt = await validated();
    expect(promptRequirements(prompt)).toEqual({
      nodeTypes: ['Loader', 'Picture'],
      files: [{ classType: 'Loader', input: 'ckpt', value: 'b.safetensors' }],
    });
    expect(promptInputFiles(prompt)).toEqual(['cat.png']);
  });
});

describe(missingRequirements.name, () => {
  const caps = (nodes: string[], ckpts: string[]): WorkerCapabilities => ({
    packs: [{ name: 'core', nodes }],
    files: [{ combo: 'Loader.ckpt', values: ckpts }],
  });

  it.each([
    ['a worker with everything', caps(['Loader', 'Picture'], ['b.safetensors']), []],
    [
      'a worker without the model',
      caps(['Loader', 'Picture'], ['a.safetensors']),
      ["Loader ckpt 'b.safetensors'"],
    ],
    [
      'a worker without a node type nor the model',
      caps(['Loader'], []),
      ["node type 'Picture'", "Loader ckpt 'b.safetensors'"],
    ],
  ])('%s', async (_name, capabilities, missing) => {
    expect(missingRequirements(promptRequirements(await validated()), capabilities)).toEqual(missing);
  });
});

describe(readCapabilities.name, () => {
  it('lists node types by pack and the options of machine-dependent combos', async () => {
    const own = createNodeRegistry([Loader]);
    own.register([Picture], { pack: 'pictures' });
    expect(await readCapabilities(own, env)).toEqual({
      packs: [
        { name: 'core', nodes: ['Loader'] },
        { name: 'pictures', nodes: ['Picture'] },
      ],
      files: [{ combo: 'Loader.ckpt', values: ['a.safetensors', 'b.safetensors'] }],
    });
  });
});
