/**
 * @module
 * The typed-entry state of the numeric widgets (INT, FLOAT, SEED): a text draft that follows the
 * committed value, and a commit that clamps and snaps it, or puts the draft back when it is not a
 * number or unchanged.
 */
import { useEffect, useState } from 'react';
import type { WidgetTemplate } from '../../schema/lib/node-template';
import { numericValue } from '../../schema/lib/widget-values';

type NumericWidget = Extract<WidgetTemplate, { kind: 'INT' | 'FLOAT' | 'SEED' }>;

export function useNumberDraft(widget: NumericWidget, value: unknown, onCommit: (value: number) => void) {
  const current = typeof value === 'number' ? value : widget.default;
  const [draft, setDraft] = useState(String(current));
  useEffect(() => setDraft(String(current)), [current]);
  const commit = (text: string) => {
    const next = numericValue(widget, text);
    if (next === undefined || next === current) setDraft(String(current));
    else onCommit(next);
  };
  return { current, draft, setDraft, commit };
}
