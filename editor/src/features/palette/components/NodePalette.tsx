/**
 * @module
 * The node palette: a search box over every node type, grouped by category, opened at the pointer.
 * Arrow keys move, Enter adds; opened from a dropped link it lists only fitting types and links the
 * new node to it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useServices, useUi } from '../../../app/editor-context';
import { inputHandleId, outputHandleId } from '../../graph/lib/handle-ids';
import { socketColor } from '../../schema/lib/socket-colors';
import { type PaletteMatch, searchTemplates } from '../lib/search-templates';

const MAX_SHOWN = 80;

export function NodePalette() {
  const { tabs, ui } = useServices();
  const palette = useUi((s) => s.palette);
  const templates = useUi((s) => s.templates);
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const list = useRef<HTMLDivElement>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const filter = palette.open ? palette.filter : undefined;
  const matches = useMemo(
    () => searchTemplates(templates, query, filter).slice(0, MAX_SHOWN),
    [templates, query, filter],
  );

  useEffect(() => {
    if (palette.open) {
      setQuery('');
      setCursor(0);
    }
  }, [palette]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever the highlighted row moves
  useEffect(() => {
    list.current?.querySelector('.mf-current')?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);
  useEffect(() => {
    if (!palette.open) return;
    const close = (e: MouseEvent) => {
      if (!(e.target instanceof Node) || !dialog.current?.contains(e.target)) ui.getState().paletteClosed();
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [palette, ui]);

  if (!palette.open) return null;

  const choose = (match: PaletteMatch | undefined) => {
    if (!match) return;
    ui.getState().paletteClosed();
    const id = tabs.getState().nodeAdded({ template: match.template, position: palette.at });
    const socket = match.socket;
    if (!filter || !socket) return;
    const link =
      filter.from === 'output' && 'input' in socket
        ? {
            source: filter.nodeId,
            sourceHandle: outputHandleId(filter.outputIndex),
            target: id,
            targetHandle: inputHandleId(socket.input),
          }
        : filter.from === 'input' && 'outputIndex' in socket
          ? {
              source: id,
              sourceHandle: outputHandleId(socket.outputIndex),
              target: filter.nodeId,
              targetHandle: inputHandleId(filter.input),
            }
          : undefined;
    if (link) tabs.getState().linkRequested(link, templates);
  };

  const left = Math.min(palette.screen.x, window.innerWidth - 380);
  const top = Math.min(palette.screen.y, window.innerHeight - 440);
  let lastCategory = '';
  return (
    <div className="mf-palette-layer">
      <div
        ref={dialog}
        className="mf-palette"
        role="dialog"
        aria-label="Add a node"
        data-testid="palette"
        style={{ left: Math.max(8, left), top: Math.max(8, top) }}
      >
        <input
          // biome-ignore lint/a11y/noAutofocus: the palette opens to be typed into
          autoFocus
          className="mf-palette-search"
          placeholder={filter ? `Nodes that take or give ${filter.type}…` : 'Search nodes…'}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setCursor(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setCursor((c) => Math.min(c + 1, matches.length - 1));
            else if (e.key === 'ArrowUp') setCursor((c) => Math.max(c - 1, 0));
            else if (e.key === 'Enter') choose(matches[cursor]);
            else if (e.key === 'Escape') ui.getState().paletteClosed();
            else return;
            e.preventDefault();
          }}
        />
        {filter && (
          <div className="mf-palette-filter">
            linking <span style={{ color: socketColor(filter.type) }}>{filter.type}</span>{' '}
            {filter.from === 'output' ? 'into' : 'from'} a new node
          </div>
        )}
        <div className="mf-palette-list" ref={list} role="listbox">
          {matches.length === 0 && <div className="mf-palette-empty">No node type matches</div>}
          {matches.map((match, index) => {
            const header = match.template.category !== lastCategory ? match.template.category : undefined;
            lastCategory = match.template.category;
            return (
              <div key={match.template.type}>
                {header !== undefined && (
                  <div className="mf-palette-category">{header || 'uncategorised'}</div>
                )}
                <div
                  role="option"
                  tabIndex={-1}
                  aria-selected={index === cursor}
                  data-type={match.template.type}
                  className={index === cursor ? 'mf-palette-item mf-current' : 'mf-palette-item'}
                  onMouseEnter={() => setCursor(index)}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    choose(match);
                  }}
                  title={match.template.description}
                >
                  <span>{match.template.displayName}</span>
                  <span className="mf-palette-type">{match.template.type}</span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
