/**
 * @module
 * Reads a LoRA file's header (safetensors, or the index of a torch `.pt` / `.bin` / `.ckpt`) into a plan:
 * which weight each module patches, with the stored keys of its factors, its rank and `alpha`, every
 * shape checked against the weight's. Factor names follow the formats ComfyUI's `LoRAAdapter.load`
 * accepts: kohya / LyCORIS `lora_up` / `lora_down` (+ LoCon's `lora_mid`), diffusers' processors
 * `_lora.up` / `_lora.down`, PEFT `lora_B` / `lora_A`, diffusers `lora.up` / `lora.down`, transformers
 * `lora_linear_layer.up` / `.down`; `<module>.alpha` scales by alpha / rank. Keys that fit none of them
 * (DoRA scales, LoHa / LoKr factors, ...) and modules the model does not have are listed by name, never
 * dropped silently.
 */
import { EngineError, type WeightReader, withWeightReader } from '@momaflow/engine';
import type { LoraComponent, LoraTarget } from './lora-targets';

/** One patched weight. */
export interface LoraModule {
  /** The module name as the file spells it. */
  readonly name: string;
  readonly target: LoraTarget;
  /** Stored keys of the factors. */
  readonly up: string;
  readonly down: string;
  readonly mid: string | undefined;
  readonly rank: number;
  /** `<module>.alpha`, when the file has it. */
  readonly alpha: number | undefined;
}

/** What a LoRA file patches and what it holds that nothing reads. */
export interface LoraPlan {
  readonly path: string;
  readonly modules: readonly LoraModule[];
  /** Module names with factors but no such weight in the model (a LoRA of another architecture). */
  readonly unmatched: readonly string[];
  /** Keys in no known LoRA format (DoRA `dora_scale`, LoHa `hada_*`, ...). */
  readonly unknown: readonly string[];
}

/** Factor key suffixes by format: [up, down, mid]. */
const FORMATS = [
  ['.lora_up.weight', '.lora_down.weight', '.lora_mid.weight'],
  ['_lora.up.weight', '_lora.down.weight', undefined],
  ['.lora_B.weight', '.lora_A.weight', undefined],
  ['.lora.up.weight', '.lora.down.weight', undefined],
  ['.lora_linear_layer.up.weight', '.lora_linear_layer.down.weight', undefined],
] as const;

const ALPHA = '.alpha';

interface Factors {
  up?: string;
  down?: string;
  mid?: string;
  alpha?: string;
}

/** The module and factor a key holds, in the first format whose suffix it has. */
function factorOf(key: string): { module: string; part: 'up' | 'down' | 'mid' } | undefined {
  for (const [up, down, mid] of FORMATS) {
    for (const [part, suffix] of [
      ['up', up],
      ['down', down],
      ['mid', mid],
    ] as const) {
      if (suffix !== undefined && key.endsWith(suffix)) return { module: key.slice(0, -suffix.length), part };
    }
  }
  return undefined;
}

/** Group keys by module name and factor; keys of no format stay unknown, and so does a lone alpha. */
function groupFactors(keys: readonly string[]): { modules: Map<string, Factors>; unknown: string[] } {
  const groups = new Map<string, Factors>();
  const unknown: string[] = [];
  const slot = (module: string) => groups.get(module) ?? groups.set(module, {}).get(module)!;
  for (const key of keys) {
    const factor = factorOf(key);
    if (factor !== undefined) slot(factor.module)[factor.part] = key;
    else if (key.endsWith(ALPHA)) slot(key.slice(0, -ALPHA.length)).alpha = key;
    else unknown.push(key);
  }
  const modules = new Map<string, Factors>();
  for (const [module, f] of groups) {
    if (f.up === undefined && f.down === undefined && f.mid === undefined) unknown.push(f.alpha!);
    else modules.set(module, f);
  }
  return { modules, unknown };
}

const product = (dims: readonly number[]) => dims.reduce((a, d) => a * d, 1);

function shapeOf(reader: WeightReader, key: string): readonly number[] {
  return reader.info(key)?.shape ?? [];
}

/** Check the factors' shapes against the weight: up @ (mid) down must be [out, in * kh * kw]. */
function checkShapes(
  reader: WeightReader,
  name: string,
  f: Required<Pick<Factors, 'up' | 'down'>> & Factors,
  target: LoraTarget,
): number {
  const up = shapeOf(reader, f.up);
  const down = shapeOf(reader, f.down);
  const mid = f.mid === undefined ? undefined : shapeOf(reader, f.mid);
  const [out = 0, ...inner] = target.shape;
  const rank = down[0] ?? 0;
  const kernel = mid === undefined ? 1 : product(mid.slice(2));
  const fits =
    up[0] === out &&
    product(up.slice(1)) === rank &&
    (mid === undefined || (mid[0] === rank && mid[1] === rank)) &&
    product(down.slice(1)) * kernel === product(inner);
  if (!fits) {
    const parts = [
      `up [${up.join(', ')}]`,
      ...(mid ? [`mid [${mid.join(', ')}]`] : []),
      `down [${down.join(', ')}]`,
    ];
    throw new EngineError(
      'lora_shape_mismatch',
      `${reader.path}: '${name}' (${parts.join(', ')}) does not fit '${target.key}' [${target.shape.join(', ')}]; is it a LoRA for another model?`,
      { path: reader.path, module: name, key: target.key },
    );
  }
  return rank;
}

async function alphaOf(reader: WeightReader, key: string | undefined): Promise<number | undefined> {
  if (key === undefined) return undefined;
  const t = await reader.read(key);
  if (t.size !== 1) {
    throw new EngineError('lora_invalid', `${reader.path}: '${key}' must hold one number, has ${t.size}`, {
      path: reader.path,
      key,
    });
  }
  return Number(t.data[0]);
}

/**
 * Plan the LoRA at `path` against `targets` (see `loraTargets`).
 * @throws EngineError `lora_shape_mismatch` naming the module and both shapes, `lora_invalid` for a
 * module without both factors or a bad alpha, `lora_empty` when nothing in the file patches the model,
 * or a weight reader's error.
 * @example
 * const plan = await readLora('models/loras/style.safetensors', loraTargets({ unet: model.layout, clip: clip.config }));
 * plan.unknown; // ['lora_unet_..._to_q.dora_scale']
 */
export function readLora(path: string, targets: ReadonlyMap<string, LoraTarget>): Promise<LoraPlan> {
  return withWeightReader(path, async (reader) => {
    const { modules: groups, unknown } = groupFactors(reader.keys());
    const modules: LoraModule[] = [];
    const unmatched: string[] = [];
    for (const [name, f] of groups) {
      if (f.up === undefined || f.down === undefined) {
        throw new EngineError(
          'lora_invalid',
          `${path}: '${name}' has ${f.up === undefined ? 'no up' : 'no down'} factor`,
          { path, module: name },
        );
      }
      const target = targets.get(name);
      if (target === undefined) {
        unmatched.push(name);
        continue;
      }
      const twin = modules.find((m) => m.target.key === target.key);
      if (twin !== undefined) {
        throw new EngineError(
          'lora_invalid',
          `${path}: '${twin.name}' and '${name}' both patch '${target.key}'`,
          { path, module: name, key: target.key },
        );
      }
      const rank = checkShapes(reader, name, { ...f, up: f.up, down: f.down }, target);
      modules.push({
        name,
        target,
        up: f.up,
        down: f.down,
        mid: f.mid,
        rank,
        alpha: await alphaOf(reader, f.alpha),
      });
    }
    if (modules.length === 0) {
      const seen = [...unmatched, ...unknown].slice(0, 5).map((k) => `'${k}'`);
      throw new EngineError(
        'lora_empty',
        `${path} patches nothing in this model (${groups.size + unknown.length} entries, e.g. ${seen.join(', ') || 'none'}); is it a LoRA for Stable Diffusion 1.x?`,
        { path },
      );
    }
    return { path, modules, unmatched: unmatched.sort(), unknown: unknown.sort() };
  });
}

/**
 * The modules of `plan` that patch `component`.
 * @example
 * loraModulesOf(plan, 'clip').length; // 0 for a UNet-only LoRA
 */
export function loraModulesOf(plan: LoraPlan, component: LoraComponent): readonly LoraModule[] {
  return plan.modules.filter((m) => m.target.component === component);
}
