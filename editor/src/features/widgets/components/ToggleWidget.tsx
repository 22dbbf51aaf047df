/**
 * @module
 * BOOLEAN widget: a switch showing the schema's on/off labels.
 */
import type { WidgetProps } from './widget-props';

export function ToggleWidget({ name, widget, value, onCommit }: WidgetProps<'BOOLEAN'>) {
  const on = typeof value === 'boolean' ? value : widget.default;
  return (
    <label className="mf-widget mf-toggle">
      <span className="mf-widget-label">{name}</span>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        aria-label={name}
        className={`nodrag mf-switch${on ? ' mf-on' : ''}`}
        onClick={() => onCommit(!on)}
      >
        {on ? widget.labelOn : widget.labelOff}
      </button>
    </label>
  );
}
