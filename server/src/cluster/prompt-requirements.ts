/**
 * @module
 * What a prompt needs of the machine that runs it, and what a worker has. A prompt needs its node
 * types, and the values of its combo inputs whose options come from the machine (model files,
 * mostly: `CheckpointLoaderSimple.ckpt_name`). Inputs with an upload button (LoadImage's image) are
 * not requirements: the worker fetches those files from the server. Workers advertise the same
 * lists, so the server can say why no worker takes a prompt, and prompts sharing a model can go to
 * the worker that has it loaded.
 */
import type {
  AnyNodeDefinition,
  ComboInputSpec,
  InputSpec,
  NodeEnv,
  NodeRegistry,
  ValidatedPrompt,
} from '@momaflow/engine';
import { z } from 'zod';

/** A combo value that must be among the machine's options: `ckpt_name = 'v1-5.safetensors'`. */
export const zFileRequirement = z.object({ classType: z.string(), input: z.string(), value: z.string() });
export type FileRequirement = z.infer<typeof zFileRequirement>;

export const zPromptRequirements = z.object({
  nodeTypes: z.array(z.string()),
  files: z.array(zFileRequirement),
});
export type PromptRequirements = z.infer<typeof zPromptRequirements>;

/** What a worker advertises: node types by pack, and the options of its machine-dependent combos. */
export const zWorkerCapabilities = z.object({
  packs: z.array(z.object({ name: z.string(), nodes: z.array(z.string()) })),
  /** The values this worker has for each machine-dependent combo (`combo` is `<classType>.<input>`). */
  files: z.array(z.object({ combo: z.string(), values: z.array(z.string()) })),
});
export type WorkerCapabilities = z.infer<typeof zWorkerCapabilities>;

type Dynamic = ComboInputSpec & { options: Exclude<ComboInputSpec['options'], readonly string[]> };

const isMachineCombo = (spec: InputSpec): spec is Dynamic =>
  spec.kind === 'COMBO' && typeof spec.options === 'function' && spec.upload === undefined;
const isUploadCombo = (spec: InputSpec): spec is ComboInputSpec =>
  spec.kind === 'COMBO' && spec.upload !== undefined;

/** `classType.input`: the key of a machine-dependent combo. */
export const requirementKey = (r: Pick<FileRequirement, 'classType' | 'input'>) =>
  `${r.classType}.${r.input}`;

function literalCombos(prompt: ValidatedPrompt, keep: (spec: InputSpec) => boolean): FileRequirement[] {
  const found = new Map<string, FileRequirement>();
  for (const node of prompt.nodes.values()) {
    for (const [input, spec] of Object.entries<InputSpec>(node.definition.inputs)) {
      const value = node.values[input];
      if (!keep(spec) || typeof value !== 'string') continue;
      const requirement = { classType: node.classType, input, value };
      found.set(`${requirementKey(requirement)}=${value}`, requirement);
    }
  }
  return [...found.values()].sort((a, b) => requirementKey(a).localeCompare(requirementKey(b)));
}

/**
 * @example
 * const requires = promptRequirements(validated); // { nodeTypes: ['KSampler', ...], files: [...] }
 */
export function promptRequirements(prompt: ValidatedPrompt): PromptRequirements {
  const nodeTypes = new Set([...prompt.nodes.values()].map((node) => node.classType));
  return { nodeTypes: [...nodeTypes].sort(), files: literalCombos(prompt, isMachineCombo) };
}

/** The input-folder files a prompt reads (upload combos): the worker fetches them from the server. */
export function promptInputFiles(prompt: ValidatedPrompt): string[] {
  return [...new Set(literalCombos(prompt, isUploadCombo).map((r) => r.value))].sort();
}

/** Why a worker with `capabilities` cannot run a prompt needing `requires` (empty: it can). */
export function missingRequirements(
  requires: PromptRequirements,
  capabilities: WorkerCapabilities,
): string[] {
  const types = new Set(capabilities.packs.flatMap((pack) => pack.nodes));
  const files = new Map(capabilities.files.map((f) => [f.combo, new Set(f.values)]));
  const missing = requires.nodeTypes.filter((type) => !types.has(type)).map((type) => `node type '${type}'`);
  for (const file of requires.files) {
    if (!files.get(requirementKey(file))?.has(file.value)) {
      missing.push(`${file.classType} ${file.input} '${file.value}'`);
    }
  }
  return missing;
}

async function optionsOf(spec: Dynamic, env: NodeEnv): Promise<string[]> {
  try {
    return [...(await spec.options({ env }))];
  } catch {
    return []; // an unreadable folder offers nothing; the worker's own validation says why
  }
}

/**
 * Lists this machine's node types by pack and the options of every machine-dependent combo.
 * @example
 * const capabilities = await readCapabilities(runtime.registry, runtime.env);
 */
export async function readCapabilities(registry: NodeRegistry, env: NodeEnv): Promise<WorkerCapabilities> {
  const packs = new Map<string, string[]>();
  const files: WorkerCapabilities['files'] = [];
  for (const type of registry.types()) {
    const entry = registry.entry(type);
    if (!entry) continue;
    packs.set(entry.pack, [...(packs.get(entry.pack) ?? []), type]);
    const definition: AnyNodeDefinition = entry.definition;
    for (const [input, spec] of Object.entries<InputSpec>(definition.inputs)) {
      if (isMachineCombo(spec)) {
        files.push({ combo: requirementKey({ classType: type, input }), values: await optionsOf(spec, env) });
      }
    }
  }
  return { packs: [...packs].map(([name, nodes]) => ({ name, nodes })), files };
}
