/**
 * @module
 * `momaflow nodes new <name>`: writes a pack folder with one example node (an IMAGE brightness
 * shift), its test (node's test runner, outside momaflow through pack-api's standalone runtime), a
 * README, a tsconfig and a package.json whose `momaflow` field makes it a pack. `npm install`,
 * `npm run build`, `npm test`, then `momaflow nodes add <folder>`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENGINE_VERSION, EngineError, PACK_ID } from '@momaflow/engine';

export interface ScaffoldRequest {
  /** The pack id and npm name, e.g. `my-pack` or `@me/my-pack`. */
  readonly name: string;
  /** The folder to create (default: `./<name without scope>`). */
  readonly dir: string;
  /** `file:` spec of the pack-api package for the devDependency. */
  readonly packApiSpec: string;
}

function pascal(name: string): string {
  return (name.split('/').pop() ?? name)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('')
    .replace(/^[0-9]/, 'N$&');
}

function files(request: ScaffoldRequest, nodeType: string): Record<string, string> {
  const { name } = request;
  const displayName = pascal(name).replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  const packageJson = {
    name,
    version: '0.1.0',
    description: `${displayName}: a momaflow node pack`,
    type: 'module',
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    files: ['dist', 'README.md'],
    keywords: ['momaflow', 'momaflow-node-pack'],
    momaflow: { id: name, displayName, engine: `^${ENGINE_VERSION}`, entry: 'dist/index.js' },
    scripts: { build: 'tsc -p tsconfig.json', test: 'node --test dist/', prepack: 'npm run build' },
    peerDependencies: { '@momaflow/pack-api': `^${ENGINE_VERSION}` },
    devDependencies: {
      '@momaflow/pack-api': request.packApiSpec,
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
    },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      declaration: true,
      outDir: 'dist',
      rootDir: 'src',
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['src'],
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
    'src/index.ts': `import { definePack, defineNode, Input, Tensor } from '@momaflow/pack-api';

/** Shifts every pixel of an image by \`amount\`, clamped to [0, 1]. */
export const ${nodeType} = defineNode({
  type: '${nodeType}',
  displayName: 'Brightness (${displayName})',
  category: '${name}',
  description: 'Adds a constant to every channel of an image.',
  inputs: {
    image: Input.link('IMAGE'),
    amount: Input.float({ default: 0.1, min: -1, max: 1, step: 0.01 }),
  },
  outputs: [{ type: 'IMAGE' }],
  run: (_ctx, { image, amount }) => [
    new Tensor(
      'float32',
      image.shape,
      image.data.map((v) => Math.min(1, Math.max(0, v + amount))),
    ),
  ],
});

export default definePack({ nodes: [${nodeType}] });
`,
    'src/index.test.ts': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeEnv, type NodeContext, Tensor } from '@momaflow/pack-api';
import pack, { ${nodeType} } from './index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const ctx: NodeContext = {
  nodeId: '1',
  promptId: 'test',
  source: {},
  signal: new AbortController().signal,
  log: silent,
  env: createNodeEnv({ dirs: { input: '', output: '', temp: '', models: '' }, log: silent }),
  progress() {},
};

test('the pack exports its node', () => {
  assert.deepEqual(
    pack.nodes.map((n) => n.type),
    ['${nodeType}'],
  );
});

test('${nodeType} shifts and clamps every channel', async () => {
  const image = new Tensor('float32', [1, 1, 2, 3], Float32Array.from([0, 0.25, 0.5, 0.75, 0.95, 1]));
  const [out] = (await ${nodeType}.run(ctx, { image, amount: 0.1 })) as [Tensor];
  assert.deepEqual(out.shape, [1, 1, 2, 3]);
  assert.deepEqual(
    [...out.data].map((v) => Math.round(v * 100) / 100),
    [0.1, 0.35, 0.6, 0.85, 1, 1],
  );
});
`,
    'README.md': `# ${displayName}

A [momaflow](https://github.com/) node pack with one node, \`${nodeType}\` (category \`${name}\`):
it adds \`amount\` to every channel of an IMAGE and clamps the result to [0, 1].

\`\`\`sh
npm install        # typescript and the @momaflow/pack-api types
npm run build      # src/ -> dist/
npm test           # runs the node outside momaflow (node --test)
momaflow nodes add .            # install this folder into momaflow's data folder
npm pack && momaflow nodes add ${name.replace('@', '').replace('/', '-')}-0.1.0.tgz   # or as a tarball (sandboxed)
\`\`\`

The \`momaflow\` field of package.json names the pack (\`id\`), the engine versions it supports
(\`engine\`, a semver range) and its entry module. A pack installed from a registry or a tarball runs
in a sandbox process that may read only its own folder: list the data folders its nodes need in
\`momaflow.folders\` (\`{ "read": ["models"], "write": ["output"] }\`).
`,
  };
}

/**
 * Writes the pack; refuses a non-empty folder.
 * @example
 * const { dir, nodeType } = await scaffoldPack({ name: 'my-pack', dir: './my-pack', packApiSpec });
 */
export async function scaffoldPack(
  request: ScaffoldRequest,
): Promise<{ dir: string; nodeType: string; files: string[] }> {
  if (!PACK_ID.test(request.name)) {
    throw new EngineError(
      'node_pack_name_invalid',
      `'${request.name}' is not a pack name: use lower case letters, digits and -._ (an npm package name such as my-pack or @me/my-pack)`,
    );
  }
  const dir = path.resolve(request.dir);
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) throw new EngineError('folder_not_empty', `${dir} exists and is not empty`);
  const nodeType = `${pascal(request.name)}Brightness`;
  const content = files(request, nodeType);
  for (const [file, text] of Object.entries(content)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return { dir, nodeType, files: Object.keys(content) };
}
