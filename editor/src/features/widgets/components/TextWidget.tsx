/**
 * @module
 * STRING widget: one line or a multi-line box; commits when focus leaves (or Enter on one line).
 */
import { useEffect, useState } from 'react';
import type { WidgetProps } from './widget-props';

export function TextWidget({ name, widget, value, invalid, onCommit }: WidgetProps<'STRING'>) {
  const current = typeof value === 'string' ? value : widget.default;
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [current]);
  const commit = () => {
    if (draft !== current) onCommit(draft);
  };
  const className = `nodrag mf-text${invalid ? ' mf-invalid' : ''}`;
  return (
    <div className="mf-widget mf-text-widget">
      <span className="mf-widget-label">{name}</span>
      {widget.multiline ? (
        <textarea
          className={`${className} nowheel`}
          aria-label={name}
          rows={4}
          placeholder={widget.placeholder}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
        />
      ) : (
        <input
          className={className}
          aria-label={name}
          placeholder={widget.placeholder}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => e.key === 'Enter' && commit()}
        />
      )}
    </div>
  );
}
