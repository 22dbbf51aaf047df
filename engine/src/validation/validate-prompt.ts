/**
 * @module
 * Validates an executable prompt against the node registry before anything runs and returns every
 * problem at once. Node types are checked for every node, as ComfyUI refuses a prompt naming a type it
 * does not have wherever it sits; inputs only for the requested outputs and their ancestors, since
 * unreachable nodes never run. The result, a `ValidatedPrompt`, is what the executor accepts.
 */

import { dict, ownValue } from '../dictionary/dictionary';
import { errorMessage } from '../errors';
import { missingNodeTypeMessage, type PackRef, packRefOf } from '../graph/pack-ref';
import { asLink, type Link, zPromptNode } from '../graph/prompt';
import { type InputSpec, inputSocketType } from '../node-api/input-specs';
import type { AnyNodeDefinition } from '../node-api/node-definition';
import type { NodeEnv } from '../node-api/node-env';
import type { NodeRegistry } from '../node-api/node-registry';
import { comboOptions } from '../node-api/object-info';
import { isSocketCompatible } from '../node-api/socket-types';
import { checkWidgetValue, widgetDefault } from './check-value';
import { stronglyConnected } from './strongly-connected';
import { fail, ok, preview, type Result, type ValidationIssue } from './validation-issue';

export interface PlannedNode {
  readonly id: string;
  readonly classType: string;
  readonly definition: AnyNodeDefinition;
  /** Linked inputs: input name -> [source node id, output index]. */
  readonly links: ReadonlyMap<string, Link>;
  /** Literal inputs after checking (defaults filled in for unset optional widgets). */
  readonly values: Readonly<Record<string, unknown>>;
}

export interface ValidatedPrompt {
  /** The nodes to execute, in dependency order. */
  readonly nodes: ReadonlyMap<string, PlannedNode>;
  /** The nodes whose execution was requested (output nodes unless partial execution asked for others). */
  readonly targets: readonly string[];
}

export interface ValidateOptions {
  readonly registry: NodeRegistry;
  readonly env: NodeEnv;
  /** Partial execution: only these nodes (and their ancestors). Default: every output node. */
  readonly targets?: readonly string[];
}

interface RawNode {
  readonly classType: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The node pack the saved workflow says the type came from, to name it when the type is missing. */
  readonly pack?: PackRef;
}

/** The common well-formed case, checked without zod (10,000-node prompts validate on every submit). */
function isPlainNode(
  entry: unknown,
): entry is { class_type: string; inputs?: Record<string, unknown>; _meta?: unknown } {
  if (typeof entry !== 'object' || entry === null) return false;
  const { class_type: classType, inputs } = entry as Record<string, unknown>;
  if (typeof classType !== 'string' || classType.length === 0) return false;
  return inputs === undefined || (typeof inputs === 'object' && inputs !== null && !Array.isArray(inputs));
}

function parseNodes(data: unknown, issues: ValidationIssue[]): Map<string, RawNode | null> {
  const nodes = new Map<string, RawNode | null>();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    issues.push({
      type: 'invalid_prompt',
      nodeId: null,
      classType: null,
      message: 'a prompt must be a JSON object mapping node ids to { class_type, inputs }',
      received: preview(data),
    });
    return nodes;
  }
  for (const [id, entry] of Object.entries(data)) {
    if (isPlainNode(entry)) {
      const meta = entry._meta;
      const pack = packRefOf(
        typeof meta === 'object' && meta !== null ? Reflect.get(meta, 'pack') : undefined,
      );
      nodes.set(id, { classType: entry.class_type, inputs: entry.inputs ?? {}, ...(pack ? { pack } : {}) });
      continue;
    }
    const parsed = zPromptNode.safeParse(entry);
    if (parsed.success) {
      const pack = parsed.data._meta?.pack;
      nodes.set(id, {
        classType: parsed.data.class_type,
        inputs: parsed.data.inputs,
        ...(pack ? { pack } : {}),
      });
      continue;
    }
    nodes.set(id, null);
    const classType =
      typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'class_type') : undefined;
    issues.push({
      type: 'invalid_node',
      nodeId: id,
      classType: typeof classType === 'string' ? classType : null,
      message: `node '${id}' must be an object { class_type: string, inputs: object }: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      received: preview(entry),
    });
  }
  return nodes;
}

/** Every node, reachable or not, whose type is not registered. */
function unknownTypes(nodes: ReadonlyMap<string, RawNode | null>, registry: NodeRegistry): ValidationIssue[] {
  return [...nodes].flatMap(([id, raw]) =>
    raw && !registry.get(raw.classType)
      ? [
          {
            type: 'unknown_node_type' as const,
            nodeId: id,
            classType: raw.classType,
            message: missingNodeTypeMessage(id, raw.classType, raw.pack),
            received: raw.classType,
            ...(raw.pack ? { expected: { pack: raw.pack } } : {}),
          },
        ]
      : [],
  );
}

function chooseTargets(
  nodes: ReadonlyMap<string, RawNode | null>,
  options: ValidateOptions,
  issues: ValidationIssue[],
): string[] {
  if (options.targets) {
    const known = options.targets.filter((id) => nodes.has(id));
    for (const id of options.targets) {
      if (!nodes.has(id)) {
        issues.push({
          type: 'unknown_target',
          nodeId: id,
          classType: null,
          message: `requested node '${id}' is not in the prompt`,
        });
      }
    }
    return known;
  }
  const outputs = [...nodes]
    .filter(([, raw]) => raw && options.registry.get(raw.classType)?.output)
    .map(([id]) => id);
  if (outputs.length === 0 && nodes.size > 0) {
    issues.push({
      type: 'no_output_node',
      nodeId: null,
      classType: null,
      message: 'the prompt has no output node (such as SaveImage or PreviewImage), so nothing would run',
    });
  }
  if (nodes.size === 0) {
    issues.push({ type: 'no_output_node', nodeId: null, classType: null, message: 'the prompt is empty' });
  }
  return outputs;
}

function reachable(nodes: ReadonlyMap<string, RawNode | null>, targets: readonly string[]): string[] {
  const seen = new Set<string>(targets);
  const queue = [...targets];
  for (let i = 0; i < queue.length; i++) {
    const raw = nodes.get(queue[i]!);
    if (!raw) continue;
    for (const value of Object.values(raw.inputs)) {
      const link = asLink(value);
      if (link && nodes.has(link[0]) && !seen.has(link[0])) {
        seen.add(link[0]);
        queue.push(link[0]);
      }
    }
  }
  return queue;
}

interface NodeCheck {
  readonly links: Map<string, Link>;
  readonly values: Record<string, unknown>;
  issues: number;
}

const NO_OPTIONS: readonly string[] = [];

/** The options of every COMBO the given definitions use, dynamic ones resolved once for this validation. */
async function resolveComboOptions(
  definitions: Iterable<AnyNodeDefinition>,
  env: NodeEnv,
): Promise<Map<InputSpec, readonly string[]>> {
  const resolved = new Map<InputSpec, readonly string[]>();
  for (const definition of new Set(definitions)) {
    for (const spec of Object.values<InputSpec>(definition.inputs)) {
      if (spec.kind === 'COMBO' && !resolved.has(spec)) resolved.set(spec, await comboOptions(spec, env));
    }
  }
  return resolved;
}

function checkInput(
  id: string,
  raw: RawNode,
  name: string,
  spec: InputSpec,
  nodes: ReadonlyMap<string, RawNode | null>,
  options: ValidateOptions,
  combos: ReadonlyMap<InputSpec, readonly string[]>,
  check: NodeCheck,
  issues: ValidationIssue[],
): void {
  const base = { nodeId: id, classType: raw.classType, input: name };
  const report = (issue: Omit<ValidationIssue, 'nodeId' | 'classType' | 'input'>) => {
    issues.push({ ...base, ...issue, message: `${raw.classType} #${id} input '${name}': ${issue.message}` });
    check.issues++;
  };
  const value = ownValue(raw.inputs, name);
  if (value === undefined || value === null) {
    if (!spec.optional) report({ type: 'required_input_missing', message: 'required input is missing' });
    else if (spec.kind !== 'link') check.values[name] = widgetDefault(spec, combos.get(spec) ?? NO_OPTIONS);
    return;
  }
  const link = asLink(value);
  if (link) {
    const [from, index] = link;
    if (!nodes.has(from)) {
      report({
        type: 'link_to_missing_node',
        message: `links to node '${from}', which is not in the prompt`,
        received: value,
      });
      return;
    }
    const source = nodes.get(from);
    const sourceDef = source ? options.registry.get(source.classType) : undefined;
    if (!sourceDef) return; // the source node's own issue explains it
    const output = sourceDef.outputs[index];
    if (!output) {
      report({
        type: 'link_to_missing_output',
        message: `links to output ${index} of ${sourceDef.type} #${from}, which has ${sourceDef.outputs.length} output(s)`,
        received: value,
        expected: sourceDef.outputs.length,
      });
      return;
    }
    const wanted = inputSocketType(spec);
    if (!isSocketCompatible(output.type, wanted)) {
      report({
        type: 'type_mismatch',
        message: `expects ${wanted} but ${sourceDef.type} #${from} output ${index} is ${output.type}`,
        received: output.type,
        expected: wanted,
      });
      return;
    }
    check.links.set(name, link);
    return;
  }
  if (spec.kind === 'link') {
    report({
      type: 'wrong_value_kind',
      message: `expects a link to a ${spec.type} output`,
      received: preview(value),
      expected: spec.type,
    });
    return;
  }
  const result = checkWidgetValue(spec, value, combos.get(spec) ?? NO_OPTIONS);
  if (result.ok) check.values[name] = result.value;
  else report({ ...result.problem, received: preview(value) });
}

async function runCustomValidate(
  id: string,
  definition: AnyNodeDefinition,
  values: Record<string, unknown>,
  env: NodeEnv,
  issues: ValidationIssue[],
): Promise<void> {
  if (!definition.validate) return;
  const base = { type: 'custom_validation_failed' as const, nodeId: id, classType: definition.type };
  try {
    for (const problem of await definition.validate({ values, env })) {
      issues.push({
        ...base,
        message: `${definition.type} #${id}: ${problem.message}`,
        ...(problem.input ? { input: problem.input } : {}),
      });
    }
  } catch (err) {
    issues.push({ ...base, message: `${definition.type} #${id}: validation failed: ${errorMessage(err)}` });
  }
}

/**
 * @example
 * const result = await validatePrompt(JSON.parse(body), { registry, env });
 * if (!result.ok) return c.json({ error: { type: 'invalid_prompt', details: result.issues } }, 400);
 */
export async function validatePrompt(
  data: unknown,
  options: ValidateOptions,
): Promise<Result<ValidatedPrompt>> {
  const issues: ValidationIssue[] = [];
  const nodes = parseNodes(data, issues);
  issues.push(...unknownTypes(nodes, options.registry));
  const targets = chooseTargets(nodes, options, issues);
  const order = reachable(nodes, targets);
  const checked = new Map<string, { raw: RawNode; definition: AnyNodeDefinition; check: NodeCheck }>();
  const used = order.flatMap((id) => {
    const definition = options.registry.get(nodes.get(id)?.classType ?? '');
    return definition ? [definition] : [];
  });
  const combos = await resolveComboOptions(used, options.env);

  for (const id of order) {
    const raw = nodes.get(id);
    if (!raw) continue;
    const definition = options.registry.get(raw.classType);
    if (!definition) continue; // reported by unknownTypes
    const check: NodeCheck = { links: new Map(), values: dict(), issues: 0 };
    for (const [name, spec] of Object.entries<InputSpec>(definition.inputs)) {
      checkInput(id, raw, name, spec, nodes, options, combos, check, issues);
    }
    checked.set(id, { raw, definition, check });
  }

  const deps = new Map<string, string[]>();
  for (const [id, { check }] of checked)
    deps.set(
      id,
      [...check.links.values()].map(([from]) => from),
    );
  const ids = [...checked.keys()];
  const components = stronglyConnected(ids, deps);
  for (const component of components) {
    const first = component[0]!;
    const selfLoop = component.length === 1 && deps.get(first)?.includes(first);
    if (component.length === 1 && !selfLoop) continue;
    for (const id of component) {
      issues.push({
        type: 'cycle',
        nodeId: id,
        classType: checked.get(id)?.definition.type ?? null,
        message: `node #${id} is part of a cycle: ${[...component, first].join(' -> ')}`,
        received: component,
      });
    }
  }

  for (const [id, { definition, check }] of checked) {
    if (check.issues === 0) await runCustomValidate(id, definition, check.values, options.env, issues);
  }
  if (issues.length > 0) return fail(issues);

  const planned = new Map<string, PlannedNode>();
  // No cycles remain, so every component is a single node, in dependency order.
  for (const [id] of components as [string][]) {
    const entry = checked.get(id)!;
    planned.set(id, {
      id,
      classType: entry.raw.classType,
      definition: entry.definition,
      links: entry.check.links,
      values: entry.check.values,
    });
  }
  return ok({ nodes: planned, targets });
}
