/**
 * @module
 * Turning what a user typed into a valid widget value: numbers are clamped to [min, max] and snapped
 * to the step grid (from min, as ComfyUI does), integers stay integers.
 */
import type { WidgetTemplate } from './node-template';

type NumericWidget = Extract<WidgetTemplate, { kind: 'INT' | 'FLOAT' | 'SEED' }>;

/** Decimal places of a step, so 0.1 + 0.2 shows as 0.3. */
function decimals(step: number): number {
  const text = String(step);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(10, text.length - dot - 1);
}

/**
 * @example
 * numericValue({ kind: 'INT', min: 0, max: 100, step: 8, ... }, '13') // 16
 * numericValue(widget, 'abc') // undefined
 */
export function numericValue(widget: NumericWidget, input: string | number): number | undefined {
  const raw = typeof input === 'number' ? input : Number(input.trim());
  if (typeof input === 'string' && input.trim() === '') return undefined;
  if (!Number.isFinite(raw)) return undefined;
  const clamped = Math.min(widget.max, Math.max(widget.min, raw));
  if (widget.kind === 'SEED') return Math.round(clamped);
  const step = widget.kind === 'FLOAT' ? (widget.round ?? widget.step) : widget.step;
  const base = Number.isFinite(widget.min) && Math.abs(widget.min) < Number.MAX_SAFE_INTEGER ? widget.min : 0;
  const snapped = base + Math.round((clamped - base) / step) * step;
  const bounded = Math.min(widget.max, Math.max(widget.min, snapped));
  if (widget.kind === 'INT') return Math.round(bounded);
  return Number(bounded.toFixed(decimals(step)));
}

/** Whether a slider makes sense: a finite range that a track can show. */
export function hasSliderRange(widget: NumericWidget): boolean {
  return widget.kind !== 'SEED' && widget.max - widget.min <= 1_000_000 && widget.max > widget.min;
}

/** Options of a combo that match a search, the current value kept first when it matches. */
export function filterOptions(options: readonly string[], query: string): string[] {
  const q = query.trim().toLowerCase();
  return q === '' ? [...options] : options.filter((o) => o.toLowerCase().includes(q));
}
