/**
 * @module
 * COMBO widget: shows the value; clicking opens a searchable list (type to filter, Enter picks the
 * first match, Escape closes).
 */
import { useState } from 'react';
import { filterOptions } from '../../schema/lib/widget-values';
import type { WidgetProps } from './widget-props';

export function ComboWidget({ name, widget, value, invalid, onCommit }: WidgetProps<'COMBO'>) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const current = typeof value === 'string' ? value : (widget.default ?? '');
  const missing = current !== '' && !widget.options.includes(current);
  const matches = filterOptions(widget.options, query);
  const pick = (option: string) => {
    setOpen(false);
    setQuery('');
    if (option !== current) onCommit(option);
  };
  return (
    <div className={`mf-widget mf-combo${invalid || missing ? ' mf-invalid' : ''}`}>
      <span className="mf-widget-label">{name}</span>
      <button
        type="button"
        className="nodrag mf-combo-value"
        aria-label={name}
        aria-haspopup="listbox"
        aria-expanded={open}
        title={missing ? `'${current}' is not one of the options` : current}
        onClick={() => setOpen(!open)}
      >
        {current === '' ? '(none)' : current}
      </button>
      {open && (
        <div className="nodrag nowheel mf-combo-popup">
          <input
            // biome-ignore lint/a11y/noAutofocus: the popup exists to type a search
            autoFocus
            className="mf-combo-search"
            placeholder="Search…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onBlur={() => setTimeout(() => setOpen(false), 150)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && matches[0] !== undefined) pick(matches[0]);
              if (e.key === 'Escape') setOpen(false);
            }}
          />
          <div role="listbox" className="mf-combo-options">
            {matches.length === 0 && <div className="mf-combo-empty">no match</div>}
            {matches.map((option) => (
              <div
                key={option}
                role="option"
                aria-selected={option === current}
                tabIndex={-1}
                className={option === current ? 'mf-combo-option mf-current' : 'mf-combo-option'}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(option);
                }}
              >
                {option}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
