/**
 * @module
 * The keyboard shortcut list, generated from the shortcut table.
 */
import { SHORTCUTS, type ShortcutCommand } from '../lib/shortcuts';

export function HelpPanel() {
  return (
    <section className="mf-panel" aria-label="Keyboard shortcuts" data-testid="help-panel">
      <h2>Keyboard shortcuts</h2>
      <table className="mf-shortcuts">
        <tbody>
          {(Object.keys(SHORTCUTS) as ShortcutCommand[]).map((command) => (
            <tr key={command}>
              <td>
                <kbd>{SHORTCUTS[command].keys}</kbd>
              </td>
              <td>{SHORTCUTS[command].description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Mouse</h2>
      <ul className="mf-help-list">
        <li>Drag from a socket to another to link; drop on empty canvas to add a fitting node.</li>
        <li>Every widget has a socket on its left: link it to drive the value from another node.</li>
        <li>Shift+drag selects an area; Ctrl+click adds to the selection.</li>
        <li>Drop a workflow JSON or a PNG saved by SaveImage on the canvas to open it.</li>
        <li>Double-click a title to rename a node or a frame.</li>
      </ul>
    </section>
  );
}
