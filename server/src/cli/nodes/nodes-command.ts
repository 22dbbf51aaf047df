/**
 * @module
 * `momaflow nodes new|add|list|remove|update|enable|disable`: create, install and manage node packs
 * in `<data>/custom_nodes`. Installed packs load when `momaflow run` or `momaflow serve` starts.
 */
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  createPackSandbox,
  describePackReport,
  errorMessage,
  loadNodePacks,
  type PackReport,
  readPacksState,
  SILENT_LOGGER,
  writePacksState,
} from '@momaflow/engine';
import { createBuiltinRegistry } from '@momaflow/nodes';
import { ensurePackApiBuilt } from '@momaflow/pack-api/build';
import { resolveDirectories } from '../../runtime';
import type { CliIo } from '../cli-io';
import { EXIT } from '../run-command';
import { findInstalled, installPack, removePack } from './install-pack';
import { type RunNpm, runNpm } from './run-npm';
import { scaffoldPack } from './scaffold-pack';

export const NODES_USAGE = `usage:
  momaflow nodes new <name> [--dir DIR]                 scaffold a pack: one example node, a test, a README
  momaflow nodes add <npm-spec | folder | file.tgz> [--trust | --sandbox] [--data DIR]
  momaflow nodes list [--json] [--data DIR]             id, version, source, state, node types, load errors
  momaflow nodes remove <id> [--data DIR]
  momaflow nodes update [<id>...] [--data DIR]          reinstall each from its recorded spec
  momaflow nodes enable <id> [--data DIR]
  momaflow nodes disable <id> [--data DIR]

  Packs from a registry or a .tgz run sandboxed (their own process under Node's permission model:
  they may read only their own folder and the data folders their package.json asks for) unless added
  with --trust; packs from a folder run in the server process unless added with --sandbox.
  --data   the folder holding custom_nodes/ (default: the current folder)
`;

type Options = NonNullable<ParseArgsConfig['options']>;
type NodesSubcommand = (args: readonly string[], io: CliIo, npm: RunNpm) => Promise<number>;

const COMMON = { data: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options;

const packsDirOf = (data: string | undefined) => path.resolve(data ?? process.cwd(), 'custom_nodes');

/** Parses a subcommand's arguments; undefined after printing usage (help or a usage error). */
function parse<const O extends Options>(args: readonly string[], options: O, io: CliIo) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${NODES_USAGE}`);
    return undefined;
  }
}

/** Loads every pack the way `serve` does (on top of the built-in nodes) and reports each. */
async function loadReports(data: string | undefined): Promise<readonly PackReport[]> {
  const dirs = resolveDirectories(path.resolve(data ?? process.cwd()));
  const loaded = await loadNodePacks(createBuiltinRegistry(), {
    dir: packsDirOf(data),
    sandbox: createPackSandbox({ dirs, log: SILENT_LOGGER }),
  });
  await loaded.dispose();
  return loaded.packs;
}

function usageError(io: CliIo, message: string): number {
  io.error(`${message}\n\n${NODES_USAGE}`);
  return EXIT.usage;
}

const newPack: NodesSubcommand = async (args, io) => {
  const parsed = parse(args, { dir: { type: 'string' } }, io);
  if (!parsed) return EXIT.usage;
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) return usageError(io, 'momaflow nodes new takes one pack name');
  const packApi = await ensurePackApiBuilt();
  const made = await scaffoldPack({
    name,
    dir: parsed.values.dir ?? (name.split('/').pop() as string),
    packApiSpec: `file:${packApi}`,
  });
  io.write(
    `created ${made.dir} with node ${made.nodeType}:\n${made.files.map((f) => `  ${f}`).join('\n')}\nnext: cd ${made.dir} && npm install && npm run build && npm test && momaflow nodes add .\n`,
  );
  return EXIT.ok;
};

const addPack: NodesSubcommand = async (args, io, npm) => {
  const parsed = parse(args, { trust: { type: 'boolean' }, sandbox: { type: 'boolean' } }, io);
  if (!parsed) return EXIT.usage;
  const [spec, ...extra] = parsed.positionals;
  if (!spec || extra.length > 0)
    return usageError(io, 'momaflow nodes add takes one npm spec, folder or .tgz');
  if (parsed.values.trust && parsed.values.sandbox)
    return usageError(io, '--trust and --sandbox exclude each other');
  const packsDir = packsDirOf(parsed.values.data);
  const trusted = parsed.values.trust ? true : parsed.values.sandbox ? false : undefined;
  const { installed } = await installPack({ packsDir, spec, trusted, npm });
  io.write(
    `installed ${installed.id}@${installed.version} from ${installed.source} ${installed.spec} (${installed.trusted ? 'trusted: runs in the server process' : 'sandboxed'})${installed.integrity ? `\n  integrity ${installed.integrity}` : ''}\n`,
  );
  const report = (await loadReports(parsed.values.data)).find((p) => p.id === installed.id);
  if (report) io.write(`  ${describePackReport(report)}\n`);
  if (report && report.status !== 'loaded' && report.status !== 'disabled') return EXIT.failed;
  return EXIT.ok;
};

function packLine(report: PackReport, source: string): string {
  const state = report.status === 'loaded' ? 'enabled' : report.status;
  const nodes = report.status === 'loaded' ? report.nodes.join(', ') : '';
  const error =
    report.status === 'failed' || report.status === 'incompatible'
      ? `\n    error: ${report.error.message}`
      : '';
  const renamed =
    report.status === 'loaded' && report.renamed.length > 0
      ? `\n    renamed: ${report.renamed.map((r) => `${r.from} -> ${r.to}`).join(', ')}`
      : '';
  const trust =
    report.status === 'loaded' && report.sandboxed ? 'sandboxed' : report.trusted ? 'trusted' : 'sandboxed';
  return `${report.id}  ${report.version ?? '-'}  ${source}  ${state}  ${trust}${nodes ? `\n    nodes: ${nodes}` : ''}${renamed}${error}`;
}

const listPacks: NodesSubcommand = async (args, io) => {
  const parsed = parse(args, { json: { type: 'boolean' } }, io);
  if (!parsed) return EXIT.usage;
  if (parsed.positionals.length > 0) return usageError(io, 'momaflow nodes list takes no arguments');
  const packsDir = packsDirOf(parsed.values.data);
  const state = await readPacksState(packsDir);
  const reports = await loadReports(parsed.values.data);
  const sourceOf = (report: PackReport) => {
    const installed = state.installed.find(
      (p) => p.id === report.id || path.join(packsDir, 'node_modules', p.package) === report.folder,
    );
    return installed
      ? `${installed.source}:${installed.spec}`
      : `folder:${path.relative(packsDir, report.folder)}`;
  };
  if (parsed.values.json) {
    io.write(
      `${JSON.stringify(
        reports.map((r) => ({ ...r, source: sourceOf(r) })),
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }
  if (reports.length === 0) io.write(`no node packs in ${packsDir}\n`);
  for (const report of reports) io.write(`${packLine(report, sourceOf(report))}\n`);
  return EXIT.ok;
};

const removeInstalled: NodesSubcommand = async (args, io, npm) => {
  const parsed = parse(args, {}, io);
  if (!parsed) return EXIT.usage;
  const [id, ...extra] = parsed.positionals;
  if (!id || extra.length > 0) return usageError(io, 'momaflow nodes remove takes one pack id');
  const packsDir = packsDirOf(parsed.values.data);
  const installed = await findInstalled(packsDir, id);
  if (!installed) {
    const folderPack = (await loadReports(parsed.values.data)).find((p) => p.id === id);
    io.error(
      folderPack
        ? `'${id}' is a folder pack (${folderPack.folder}): delete that folder to remove it`
        : `no installed node pack '${id}' (see momaflow nodes list)`,
    );
    return EXIT.failed;
  }
  await removePack(packsDir, installed, npm);
  io.write(`removed ${installed.id}@${installed.version}\n`);
  return EXIT.ok;
};

const updatePacks: NodesSubcommand = async (args, io, npm) => {
  const parsed = parse(args, {}, io);
  if (!parsed) return EXIT.usage;
  const packsDir = packsDirOf(parsed.values.data);
  const state = await readPacksState(packsDir);
  const wanted = parsed.positionals;
  const unknown = wanted.filter((id) => !state.installed.some((p) => p.id === id || p.package === id));
  if (unknown.length > 0) {
    io.error(`no installed node pack ${unknown.map((id) => `'${id}'`).join(', ')} (see momaflow nodes list)`);
    return EXIT.failed;
  }
  const targets = state.installed.filter(
    (p) => wanted.length === 0 || wanted.includes(p.id) || wanted.includes(p.package),
  );
  for (const pack of targets) {
    const { installed } = await installPack({ packsDir, spec: pack.spec, trusted: pack.trusted, npm });
    io.write(`${pack.id}: ${pack.version} -> ${installed.version}\n`);
  }
  if (targets.length === 0) io.write('no installed node packs to update\n');
  return EXIT.ok;
};

function setEnabled(enabled: boolean): NodesSubcommand {
  return async (args, io) => {
    const parsed = parse(args, {}, io);
    if (!parsed) return EXIT.usage;
    const [id, ...extra] = parsed.positionals;
    if (!id || extra.length > 0)
      return usageError(io, `momaflow nodes ${enabled ? 'enable' : 'disable'} takes one pack id`);
    const packsDir = packsDirOf(parsed.values.data);
    const state = await readPacksState(packsDir);
    const known =
      state.disabled.includes(id) || (await loadReports(parsed.values.data)).some((p) => p.id === id);
    if (!known) {
      io.error(`no node pack '${id}' (see momaflow nodes list)`);
      return EXIT.failed;
    }
    const disabled = state.disabled.filter((d) => d !== id);
    await writePacksState(packsDir, { ...state, disabled: enabled ? disabled : [...disabled, id] });
    io.write(`${enabled ? 'enabled' : 'disabled'} ${id} (takes effect when momaflow next starts)\n`);
    return EXIT.ok;
  };
}

const SUBCOMMANDS = {
  new: newPack,
  add: addPack,
  list: listPacks,
  remove: removeInstalled,
  update: updatePacks,
  enable: setEnabled(true),
  disable: setEnabled(false),
} as const satisfies Record<string, NodesSubcommand>;

const isSubcommand = (name: string | undefined): name is keyof typeof SUBCOMMANDS =>
  name !== undefined && Object.hasOwn(SUBCOMMANDS, name);

/**
 * Runs `momaflow nodes <subcommand> ...`; returns the exit code.
 * @example
 * await nodesCommand(['add', './my-pack', '--data', dataDir], processIo()); // 0
 */
export async function nodesCommand(
  args: readonly string[],
  io: CliIo,
  npm: RunNpm = runNpm,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.write(NODES_USAGE);
    return EXIT.ok;
  }
  if (!isSubcommand(name)) {
    return usageError(
      io,
      name === undefined ? 'missing nodes subcommand' : `unknown nodes subcommand '${name}'`,
    );
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.write(NODES_USAGE);
    return EXIT.ok;
  }
  try {
    return await SUBCOMMANDS[name](rest, io, npm);
  } catch (err) {
    io.error(`momaflow nodes ${name}: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}
