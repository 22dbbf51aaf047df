/**
 * @module
 * SEED widget: the seed, its control after each queue (fixed / increment / decrement / randomize) and
 * a button that draws a new seed now.
 */
import type { SeedControl } from '../../graph/lib/flow-types';
import { useNumberDraft } from './use-number-draft';
import type { WidgetProps } from './widget-props';

const CONTROLS: readonly SeedControl[] = ['fixed', 'increment', 'decrement', 'randomize'];

export function SeedWidget(
  props: WidgetProps<'SEED'> & { control: SeedControl; onControl(control: SeedControl): void },
) {
  const { name, widget, value, invalid, onCommit, control, onControl } = props;
  const { draft, setDraft, commit } = useNumberDraft(widget, value, onCommit);
  return (
    <div className={`mf-widget mf-seed${invalid ? ' mf-invalid' : ''}`}>
      <span className="mf-widget-label">{name}</span>
      <input
        className="nodrag mf-number-entry"
        inputMode="numeric"
        aria-label={name}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget.value)}
      />
      <button
        type="button"
        className="nodrag mf-icon-button"
        title="New random seed"
        aria-label={`randomize ${name}`}
        onClick={() =>
          onCommit(widget.min + Math.floor(Math.random() * Math.min(widget.max - widget.min + 1, 2 ** 32)))
        }
      >
        ⚄
      </button>
      <select
        className="nodrag mf-seed-control"
        aria-label={`${name} control after generate`}
        value={control}
        onChange={(e) => onControl(e.target.value as SeedControl)}
      >
        {CONTROLS.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}
