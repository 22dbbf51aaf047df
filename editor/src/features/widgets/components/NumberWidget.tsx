/**
 * @module
 * INT and FLOAT widgets: a typed entry (clamped and snapped to the step on commit) with a slider when
 * the range is finite. Dragging the slider previews locally and commits on release.
 */
import { hasSliderRange, numericValue } from '../../schema/lib/widget-values';
import { useNumberDraft } from './use-number-draft';
import type { WidgetProps } from './widget-props';

export function NumberWidget({ name, widget, value, invalid, onCommit }: WidgetProps<'INT' | 'FLOAT'>) {
  const { current, draft, setDraft, commit } = useNumberDraft(widget, value, onCommit);
  const slider = hasSliderRange(widget);
  return (
    <label className={`mf-widget mf-number${invalid ? ' mf-invalid' : ''}`}>
      <span className="mf-widget-label">{name}</span>
      {slider && (
        <input
          className="nodrag mf-slider"
          type="range"
          aria-label={`${name} slider`}
          min={widget.min}
          max={widget.max}
          step={widget.step}
          value={Number(draft) || 0}
          onChange={(e) => setDraft(e.target.value)}
          onPointerUp={(e) => commit(e.currentTarget.value)}
          onKeyUp={(e) => commit(e.currentTarget.value)}
        />
      )}
      <input
        className="nodrag mf-number-entry"
        type="text"
        inputMode={widget.kind === 'INT' ? 'numeric' : 'decimal'}
        aria-label={name}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(e.currentTarget.value);
          if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
            e.preventDefault();
            const next = numericValue(widget, current + (e.key === 'ArrowUp' ? widget.step : -widget.step));
            if (next !== undefined) onCommit(next);
          }
        }}
      />
    </label>
  );
}
