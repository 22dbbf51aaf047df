/**
 * @module
 * `zDict`: zod's string-keyed record schema for maps keyed by outside data. zod drops a
 * `__proto__` key without a word (it cannot store it on the `{}` it builds), which loses a node
 * whose id is `__proto__`; `zDict` keeps every own key and returns a prototype-less map.
 */
import { z } from 'zod';
import { type Dict, dict } from './dictionary';

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

export interface DictOptions {
  /** Checks each key (for example `z.string().min(1)`); keys are never transformed. */
  readonly key?: z.ZodType<string>;
}

/**
 * A map from string keys to `value`s, every key kept as data (`__proto__` too), with each value
 * checked by `value` and each key by `options.key`. Issues carry the key in their path, as
 * `z.record` reports them.
 * @example
 * const zNodes = zDict(zWorkflowNode, { key: z.string().min(1) });
 * zNodes.parse(JSON.parse('{"__proto__": {...}}'))['__proto__'] // the node, not Object.prototype
 */
export function zDict<V extends z.ZodType>(value: V, options: DictOptions = {}) {
  return z
    .custom<Record<string, z.input<V>>>()
    .transform((input, ctx): Dict<z.output<V>> => {
      if (!isPlainObject(input)) {
        ctx.issues.push({ code: 'invalid_type', expected: 'record', input, message: 'expected an object' });
        return z.NEVER;
      }
      const result = dict<z.output<V>>();
      for (const key of Object.keys(input)) {
        const keyCheck = options.key?.safeParse(key);
        if (keyCheck && !keyCheck.success) {
          for (const issue of keyCheck.error.issues)
            ctx.issues.push({ code: 'custom', message: `key: ${issue.message}`, input: key, path: [key] });
          continue;
        }
        const parsed = value.safeParse(input[key]);
        if (parsed.success) result[key] = parsed.data;
        else
          for (const issue of parsed.error.issues)
            ctx.issues.push({ ...issue, input: issue.input, path: [key, ...issue.path] } as never);
      }
      return result;
    })
    .meta({ type: 'object', additionalProperties: true });
}
