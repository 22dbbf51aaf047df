/**
 * @module
 * The LDM-style `.yaml` that may sit beside a single-file checkpoint (the A1111 / ComfyUI convention):
 * `model.params` with `unet_config`, `first_stage_config` and `cond_stage_config`. This reader checks
 * only that outline; each model family parses its own stage's `params` with its own schema.
 */
import { readFile } from 'node:fs/promises';
import { EngineError, errorMessage, zDict } from '@momaflow/engine';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const zStage = z.object({
  target: z.string(),
  params: zDict(z.unknown()).prefault({}),
});

const zLdmYaml = z.object({
  model: z.object({
    target: z.string().optional(),
    params: z
      .looseObject({
        scale_factor: z.number().optional(),
        parameterization: z.string().optional(),
        unet_config: zStage.optional(),
        first_stage_config: zStage.optional(),
        cond_stage_config: zStage.optional(),
        // ControlNet releases ship a yaml like this beside each file (cldm `ControlLDM`).
        control_stage_config: zStage.optional(),
      })
      .default({}),
  }),
});

/** One `*_config` entry: the LDM class path and its constructor parameters, unparsed. */
export type LdmStageConfig = z.infer<typeof zStage>;

/** The parts of an LDM yaml that the model loaders read. */
export interface LdmYamlConfig {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly scaleFactor: number | undefined;
  /** What the UNet predicts: `eps` (LDM's default, SD1.x) or `v` (SD2.x 768-v and some fine-tunes). */
  readonly parameterization: string | undefined;
  readonly unet: LdmStageConfig | undefined;
  readonly firstStage: LdmStageConfig | undefined;
  readonly condStage: LdmStageConfig | undefined;
  /** cldm `ControlNet` parameters, in the yaml beside a ControlNet file. */
  readonly controlStage: LdmStageConfig | undefined;
}

/**
 * Parse LDM yaml text.
 * @throws EngineError `invalid_ldm_yaml` naming the source and the first problem.
 * @example
 * const cfg = parseLdmYaml(text, 'models/checkpoints/tiny-sd.yaml');
 * cfg.firstStage?.params.ddconfig;
 */
export function parseLdmYaml(text: string, source: string): LdmYamlConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new EngineError(
      'invalid_ldm_yaml',
      `${source} is not valid YAML: ${errorMessage(cause)}`,
      { source },
      { cause },
    );
  }
  const parsed = zLdmYaml.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at '${issue.path.join('.')}': ${issue.message}`;
    throw new EngineError('invalid_ldm_yaml', `${source} is not an LDM model config${where}`, { source });
  }
  const p = parsed.data.model.params;
  return {
    source,
    scaleFactor: p.scale_factor,
    parameterization: p.parameterization,
    unet: p.unet_config,
    firstStage: p.first_stage_config,
    condStage: p.cond_stage_config,
    controlStage: p.control_stage_config,
  };
}

/**
 * Read and parse an LDM yaml file.
 * @example
 * const cfg = await readLdmYaml('models/checkpoints/tiny-sd.yaml');
 */
export async function readLdmYaml(path: string): Promise<LdmYamlConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new EngineError(
      'config_unreadable',
      `cannot read ${path}: ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
  return parseLdmYaml(text, path);
}

/**
 * Parse one stage's `params` with a model's own schema.
 * @throws EngineError `invalid_ldm_yaml` naming the yaml, the stage and the offending field.
 * @example
 * const dd = parseStageParams(yaml, 'first_stage_config', yaml.firstStage, zFirstStageParams);
 */
export function parseStageParams<T>(
  yaml: LdmYamlConfig,
  stage: 'unet_config' | 'first_stage_config' | 'cond_stage_config' | 'control_stage_config',
  config: LdmStageConfig,
  schema: z.ZodType<T>,
): T {
  const parsed = schema.safeParse(config.params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where =
    issue === undefined ? '' : `'${[stage, 'params', ...issue.path].join('.')}': ${issue.message}`;
  throw new EngineError('invalid_ldm_yaml', `${yaml.source}: ${where}`, { source: yaml.source, stage });
}
