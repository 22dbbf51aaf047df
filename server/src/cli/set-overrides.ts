/**
 * @module
 * `--set <node>.<input>=<value>` overrides for `momaflow run`: parsed, typed by the node's schema and
 * applied to the executable graph. Problems come back as messages naming the flag.
 */
import { dictFrom, type InputSpec, type NodeRegistry, ownValue, type Prompt } from '@momaflow/engine';

export interface Override {
  readonly nodeId: string;
  readonly input: string;
  readonly raw: string;
}

export type OverrideResult = { ok: true; prompt: Prompt } | { ok: false; errors: string[] };

const PATTERN = /^([^.=]+)\.([^=]+)=(.*)$/s;

export function parseOverride(flag: string): Override | string {
  const match = PATTERN.exec(flag);
  if (!match) return `--set '${flag}': expected <node>.<input>=<value>, e.g. --set 3.seed=42`;
  return { nodeId: match[1]!, input: match[2]!, raw: match[3]! };
}

function coerce(spec: InputSpec | undefined, raw: string): unknown {
  switch (spec?.kind) {
    case 'INT':
    case 'FLOAT':
    case 'SEED':
      return raw.trim() === '' ? raw : Number(raw);
    case 'BOOLEAN':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'STRING':
    case 'COMBO':
      return raw;
    default:
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
  }
}

/**
 * @example
 * applyOverrides(prompt, ['3.seed=42', '6.text=a cat'], registry)
 */
export function applyOverrides(
  prompt: Prompt,
  flags: readonly string[],
  registry: NodeRegistry,
): OverrideResult {
  const errors: string[] = [];
  const next = dictFrom(Object.entries(prompt));
  for (const flag of flags) {
    const parsed = parseOverride(flag);
    if (typeof parsed === 'string') {
      errors.push(parsed);
      continue;
    }
    const node = ownValue(next, parsed.nodeId);
    if (!node) {
      errors.push(`--set '${flag}': there is no node '${parsed.nodeId}' in the workflow`);
      continue;
    }
    const definition = registry.get(node.class_type);
    const spec = definition && (ownValue(definition.inputs, parsed.input) as InputSpec | undefined);
    if (definition && !spec) {
      const names = Object.keys(definition.inputs).join(', ');
      errors.push(`--set '${flag}': ${node.class_type} has no input '${parsed.input}' (inputs: ${names})`);
      continue;
    }
    next[parsed.nodeId] = {
      ...node,
      inputs: dictFrom([...Object.entries(node.inputs), [parsed.input, coerce(spec, parsed.raw)]]),
    };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, prompt: next };
}
