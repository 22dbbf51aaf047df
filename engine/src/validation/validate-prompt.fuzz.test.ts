import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExecutor } from '../executor/executor';
import { promptToWorkflow, toPrompt } from '../graph/convert-workflow';
import { chainPrompt, createTestEnv, createTestNodes } from '../testing/test-nodes';
import { validatePrompt } from './validate-prompt';
import { VALIDATION_ISSUE_TYPES } from './validation-issue';

const { registry } = createTestNodes();
const env = createTestEnv();

const BASE: Record<string, unknown> = {
  ...chainPrompt(4),
  '10': { class_type: 'Label', inputs: { text: 'x', mode: 'upper', scale: 1.5, seed: 7 } },
  '11': { class_type: 'ShowText', inputs: { text: ['10', 0] } },
};

/** Keys that name Object.prototype members: valid JSON keys, so valid node ids and input names. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const hostileKey = fc.constantFrom(...PROTOTYPE_KEYS);

/** Sets `key` as an own property even when it is `__proto__` (as JSON.parse does). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const junkValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    1e308,
    -1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 64,
    -1,
    0.5,
    '',
    'Nope',
    null,
    [],
  ),
  fc.tuple(
    fc.constantFrom('0', '1', '2', '3', '10', '99', 'x', ...PROTOTYPE_KEYS),
    fc.integer({ min: -2, max: 5 }),
  ),
);

type Mutation = (prompt: Record<string, Record<string, unknown>>) => void;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...Object.keys(BASE)),
      fc.constantFrom('value', 'a', 'b', 'text', 'mode', 'scale', 'seed'),
      junkValue,
    )
    .map(
      ([id, input, value]): Mutation =>
        (p) => {
          const node = p[id];
          if (typeof node === 'object' && node !== null && typeof node.inputs === 'object' && node.inputs)
            (node.inputs as Record<string, unknown>)[input] = value;
        },
    ),
  fc.tuple(fc.constantFrom(...Object.keys(BASE)), fc.constantFrom('class_type', 'inputs')).map(
    ([id, field]): Mutation =>
      (p) => {
        const node = p[id];
        if (typeof node === 'object' && node !== null) delete node[field];
      },
  ),
  fc.tuple(fc.constantFrom(...Object.keys(BASE)), junkValue).map(
    ([id, value]): Mutation =>
      (p) => {
        p[id] = value as Record<string, unknown>;
      },
  ),
  fc.tuple(fc.constantFrom(...Object.keys(BASE)), fc.string()).map(
    ([id, type]): Mutation =>
      (p) => {
        const node = p[id];
        if (typeof node === 'object' && node !== null) node.class_type = type;
      },
  ),
  fc.tuple(fc.constantFrom(...Object.keys(BASE)), hostileKey).map(
    ([id, key]): Mutation =>
      (p) => {
        // Renames a node to a prototype-named id and repoints the links to it.
        const node = p[id];
        delete p[id];
        setOwn(p, key, node);
        for (const other of Object.values(p)) {
          const inputs = typeof other === 'object' && other !== null ? other.inputs : undefined;
          if (typeof inputs !== 'object' || inputs === null) continue;
          for (const [name, value] of Object.entries(inputs)) {
            if (Array.isArray(value) && value[0] === id)
              setOwn(inputs as Record<string, unknown>, name, [key, value[1]]);
          }
        }
      },
  ),
  fc.tuple(fc.constantFrom(...Object.keys(BASE)), hostileKey, junkValue).map(
    ([id, key, value]): Mutation =>
      (p) => {
        const node = p[id];
        if (typeof node === 'object' && node !== null && typeof node.inputs === 'object' && node.inputs)
          setOwn(node.inputs as Record<string, unknown>, key, value);
      },
  ),
  fc.tuple(hostileKey, junkValue).map(
    ([key, value]): Mutation =>
      (p) =>
        setOwn(p, key, value),
  ),
  fc.constantFrom<Mutation>((p) => {
    // A cycle through the chain.
    if (p['0']) p['0'] = { class_type: 'Add', inputs: { a: ['2', 0], b: 1 } };
  }),
);

describe('validatePrompt fuzz', () => {
  it('gives structured issues (never an exception) for 2,000 mutated prompts and workflows, prototype-named keys included', async () => {
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.option(fc.oneof(fc.json(), fc.string()), { freq: 8 }),
        async (mutations, asWorkflow, junk) => {
          const workflow = structuredClone(promptToWorkflow(BASE as never));
          const prompt = structuredClone(BASE) as Record<string, Record<string, unknown>>;
          for (const m of mutations)
            m(asWorkflow ? (workflow.nodes as Record<string, Record<string, unknown>>) : prompt);
          let data: unknown = asWorkflow ? workflow : prompt;
          if (junk !== null) {
            try {
              data = JSON.parse(junk);
            } catch {
              data = junk;
            }
          }
          const converted = toPrompt(data, registry);
          const result = converted.ok ? await validatePrompt(converted.value, { registry, env }) : converted;
          if (!result.ok) {
            rejected++;
            expect(result.issues.length).toBeGreaterThan(0);
            for (const issue of result.issues) {
              expect(VALIDATION_ISSUE_TYPES).toContain(issue.type);
              expect(typeof issue.message).toBe('string');
              expect(issue.nodeId === null || typeof issue.nodeId === 'string').toBe(true);
            }
            return;
          }
          const run = await createExecutor({ env }).execute(result.value);
          expect(['success', 'error']).toContain(run.status);
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
    expect(rejected).toBeGreaterThan(1000);
    // Nothing reached Object.prototype on the way.
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(Reflect.get({}, 'class_type')).toBeUndefined();
  });
});
