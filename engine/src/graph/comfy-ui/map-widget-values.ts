/**
 * @module
 * Matches a ComfyUI node's `widgets_values` to its input names. The frontend stores one value per
 * widget in creation order, plus the "control after generate" mode after a seed and the upload
 * button's value after an upload combo. Files from other frontend versions store those extras or
 * not, so the layout with extras is tried, then the one without, then a walk that takes an extra
 * only where the value looks like one. What is left over, missing or of the wrong kind is returned
 * for the import report, never dropped unsaid.
 */
import { type Dict, dict, ownValue } from '../../dictionary/dictionary';
import { SEED_CONTROL_MODES, type SeedControl } from '../workflow';
import type { ImportWidget, ImportWidgetKind } from './import-node-types';

export interface WidgetMapping {
  /** Input name -> value. */
  readonly values: Dict<unknown>;
  /** Seed input name -> "control after generate" mode. */
  readonly controls: Dict<SeedControl>;
  /** Values no widget took (in order). */
  readonly leftover: readonly unknown[];
  /** Widgets that got no value. */
  readonly missing: readonly string[];
  /** Values taken by a widget of another kind (kept, so validation names the input too). */
  readonly mismatched: readonly {
    readonly input: string;
    readonly value: unknown;
    readonly expected: ImportWidgetKind;
  }[];
}

const KIND_CHECKS = {
  INT: (v) => Number.isInteger(v),
  FLOAT: (v) => typeof v === 'number' && Number.isFinite(v),
  STRING: (v) => typeof v === 'string',
  BOOLEAN: (v) => typeof v === 'boolean',
  COMBO: (v) => typeof v === 'string',
} as const satisfies Record<ImportWidgetKind, (value: unknown) => boolean>;

/** A stored control mode; old frontends stored a boolean toggle (true: randomize). */
export function controlMode(value: unknown): SeedControl | undefined {
  if (value === true) return 'randomize';
  if (value === false) return 'fixed';
  return SEED_CONTROL_MODES.find((mode) => mode === value);
}
/** The upload button's stored value names what it uploads. */
const isUploadValue = (value: unknown) =>
  typeof value === 'string' && /^(image|mask|audio|video|file)$/.test(value);

/** Positional: `withExtras` says whether extras have their own slot; undefined decides per value. */
function mapArray(
  widgets: readonly ImportWidget[],
  raw: readonly unknown[],
  withExtras: boolean | undefined,
) {
  const values = dict<unknown>();
  const controls = dict<SeedControl>();
  const missing: string[] = [];
  /** Extra slots whose value is not a control mode or an upload button's. */
  const strayExtras: unknown[] = [];
  let at = 0;
  for (const widget of widgets) {
    if (at >= raw.length) {
      missing.push(widget.name);
      continue;
    }
    values[widget.name] = raw[at++];
    if (!widget.extra || at >= raw.length) continue;
    const next = raw[at];
    const looksLikeExtra = widget.extra === 'control' ? controlMode(next) !== undefined : isUploadValue(next);
    if (withExtras === false || (withExtras === undefined && !looksLikeExtra)) continue;
    at++;
    if (!looksLikeExtra) strayExtras.push(next);
    const mode = widget.extra === 'control' ? controlMode(next) : undefined;
    if (mode) controls[widget.name] = mode;
  }
  return { values, controls, missing, leftover: [...strayExtras, ...raw.slice(at)] };
}

/**
 * @example
 * mapWidgetValues(types('KSampler')!.widgets, [5, 'randomize', 20, 8, 'euler', 'normal', 1]);
 * // values { seed: 5, steps: 20, ... }, controls { seed: 'randomize' }
 */
export function mapWidgetValues(widgets: readonly ImportWidget[], raw: unknown): WidgetMapping {
  let mapped: Omit<WidgetMapping, 'mismatched'>;
  if (Array.isArray(raw)) {
    const extras = widgets.filter((w) => w.extra).length;
    const withExtras =
      raw.length === widgets.length + extras ? true : raw.length === widgets.length ? false : undefined;
    mapped = mapArray(widgets, raw, withExtras);
  } else if (typeof raw === 'object' && raw !== null) {
    // Some nodes store their values by widget name.
    const values = dict<unknown>();
    for (const widget of widgets)
      if (Object.hasOwn(raw, widget.name)) values[widget.name] = ownValue(raw, widget.name);
    const names = new Set(widgets.map((w) => w.name));
    mapped = {
      values,
      controls: dict(),
      missing: widgets.filter((w) => !Object.hasOwn(raw, w.name)).map((w) => w.name),
      leftover: Object.entries(raw)
        .filter(([key]) => !names.has(key))
        .map(([key, value]) => ({ [key]: value })),
    };
  } else {
    mapped = { values: dict(), controls: dict(), missing: widgets.map((w) => w.name), leftover: [] };
  }
  const mismatched = widgets.flatMap((w) => {
    const value = mapped.values[w.name];
    return Object.hasOwn(mapped.values, w.name) && !KIND_CHECKS[w.kind](value)
      ? [{ input: w.name, value, expected: w.kind }]
      : [];
  });
  return { ...mapped, mismatched };
}
