/**
 * @module
 * Checks one literal widget value against its spec, returning the issue or the value the node will
 * receive (FLOAT values rounded to `round`).
 */

import type { WidgetSpec } from '../node-api/input-specs';
import { MAX_SEED } from '../node-api/input-specs';
import { preview, type ValidationIssue } from './validation-issue';

type Problem = Pick<ValidationIssue, 'type' | 'message' | 'expected'>;
export type ValueCheck = { ok: true; value: unknown } | { ok: false; problem: Problem };

const wrongKind = (expected: string): ValueCheck => ({
  ok: false,
  problem: { type: 'wrong_value_kind', message: `expected ${expected}`, expected },
});

function checkRange(value: number, min: number | undefined, max: number | undefined): ValueCheck {
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    return {
      ok: false,
      problem: {
        type: 'value_out_of_range',
        message: `${value} is out of range [${min ?? '-inf'}, ${max ?? 'inf'}]`,
        expected: { min, max },
      },
    };
  }
  return { ok: true, value };
}

/**
 * Synchronous on purpose (it runs for every widget of every node): a COMBO's options are resolved once
 * per validation by the caller and passed in.
 */
export function checkWidgetValue(spec: WidgetSpec, value: unknown, options: readonly string[]): ValueCheck {
  switch (spec.kind) {
    case 'INT':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return wrongKind('a safe integer');
      return checkRange(value, spec.min, spec.max);
    case 'SEED':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return wrongKind('an integer seed');
      return checkRange(value, 0, MAX_SEED);
    case 'FLOAT': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrongKind('a finite number');
      const range = checkRange(value, spec.min, spec.max);
      if (!range.ok || !spec.round) return range;
      return { ok: true, value: Math.round(value / spec.round) * spec.round };
    }
    case 'STRING':
      return typeof value === 'string' ? { ok: true, value } : wrongKind('a string');
    case 'BOOLEAN':
      return typeof value === 'boolean' ? { ok: true, value } : wrongKind('a boolean');
    case 'COMBO': {
      if (typeof value !== 'string') return wrongKind('a string option');
      if (options.includes(value)) return { ok: true, value };
      const shown =
        options.length > 20 ? [...options.slice(0, 20), `… ${options.length - 20} more`] : options;
      return {
        ok: false,
        problem: {
          type: 'value_not_in_list',
          message: `'${String(preview(value))}' is not one of: ${shown.join(', ') || '(no options available)'}`,
          expected: shown,
        },
      };
    }
  }
}

/** The value an unset optional widget takes. */
export function widgetDefault(spec: WidgetSpec, options: readonly string[]): unknown {
  if (spec.kind !== 'COMBO') return spec.default;
  return spec.default ?? options[0];
}
