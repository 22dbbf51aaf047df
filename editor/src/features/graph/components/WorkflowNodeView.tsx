/**
 * @module
 * One workflow node: header (title, type, mode), a progress bar, outputs on the right, inputs on the
 * left (a widget while unlinked; every widget also has a socket), problems on their inputs, and the
 * node's images. Memoised, reading only its own slice of each store, so big graphs stay fast.
 */
import { CORE_PACK_ID, missingNodeTypeMessage, ownValue, type PackRef } from '@momaflow/engine/protocol';
import { Handle, type NodeProps, Position, type ReactFlowState, useStore } from '@xyflow/react';
import { memo, useMemo, useState } from 'react';
import { useRuns, useServices, useTabs, useUi } from '../../../app/editor-context';
import type { NodeIssue } from '../../execution/lib/run-state';
import { type InputTemplate, type NodeTemplate, widgetDefault } from '../../schema/lib/node-template';
import { socketColor } from '../../schema/lib/socket-colors';
import { WidgetField } from '../../widgets/components/WidgetField';
import type { WorkflowFlowNode } from '../lib/flow-types';
import { inputHandleId, outputHandleId } from '../lib/handle-ids';
import { localIssues } from '../lib/local-issues';
import { NodeMedia } from './NodeMedia';

const NO_ISSUES: readonly NodeIssue[] = [];
/**
 * Level of detail by zoom, as ComfyUI's low-quality mode: below `DETAIL_ZOOM` nodes draw only sockets
 * and labels (widgets are unreadable there anyway), below `OVERVIEW_ZOOM` not even the labels. That
 * keeps 500-node graphs quick to open and drag.
 */
export const DETAIL_ZOOM = 0.45;
export const OVERVIEW_ZOOM = 0.2;
type Detail = 'full' | 'compact' | 'overview';
const detailOf = (s: ReactFlowState): Detail =>
  s.transform[2] >= DETAIL_ZOOM ? 'full' : s.transform[2] >= OVERVIEW_ZOOM ? 'compact' : 'overview';

function InputRow(props: {
  nodeId: string;
  input: InputTemplate;
  data: WorkflowFlowNode['data'];
  issues: readonly NodeIssue[];
  warnings: readonly NodeIssue[];
  compact: boolean;
}) {
  const { nodeId, input, data, issues, warnings, compact } = props;
  const { tabs, runs } = useServices();
  const tabId = useTabs((s) => s.activeId);
  const linked = Object.hasOwn(data.links, input.name);
  const invalid = issues.some((i) => i.input === input.name);
  const doubtful = !invalid && warnings.some((i) => i.input === input.name);
  const color = socketColor(input.socketType);
  const commit = (value: unknown) => {
    tabs.getState().fieldValueChanged({ nodeId, input: input.name, value });
    runs.getState().nodeEdited({ tabId, nodeId });
  };
  return (
    <div
      className={`mf-input-row${invalid ? ' mf-invalid' : doubtful ? ' mf-doubtful' : ''}`}
      title={input.tooltip || undefined}
      data-input={input.name}
    >
      <Handle
        type="target"
        position={Position.Left}
        id={inputHandleId(input.name)}
        className={input.widget && !linked ? 'mf-handle mf-widget-handle' : 'mf-handle'}
        style={{ background: color, borderColor: color }}
      />
      {input.widget && !linked && !compact ? (
        <WidgetField
          nodeId={nodeId}
          name={input.name}
          widget={input.widget}
          value={data.values[input.name] ?? widgetDefault(input.widget)}
          invalid={invalid}
          onCommit={commit}
          control={data.seedControl?.[input.name] ?? 'fixed'}
          onControl={(control) => tabs.getState().seedControlChanged({ nodeId, input: input.name, control })}
        />
      ) : (
        <span className="mf-socket-label">
          {input.name}
          {!input.required && <em> (optional)</em>}
          <span className="mf-type-badge" style={{ color }}>
            {input.socketType}
          </span>
        </span>
      )}
    </div>
  );
}

function Title({ nodeId, title }: { nodeId: string; title: string }) {
  const { tabs } = useServices();
  const [editing, setEditing] = useState(false);
  if (!editing) {
    return (
      <button
        type="button"
        className="mf-node-title"
        onDoubleClick={() => setEditing(true)}
        title="Double-click to rename"
      >
        {title}
      </button>
    );
  }
  return (
    <input
      // biome-ignore lint/a11y/noAutofocus: renaming starts by double-clicking the title
      autoFocus
      className="nodrag mf-title-input"
      defaultValue={title}
      onBlur={(e) => {
        setEditing(false);
        if (e.target.value !== title) tabs.getState().nodeTitleChanged({ nodeId, title: e.target.value });
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') e.currentTarget.blur();
        if (e.key === 'Escape') setEditing(false);
      }}
    />
  );
}

/** Which node pack a node comes from (not shown for built-ins), or which missing pack it needs. */
function PackBadge(props: { template: NodeTemplate | undefined; recorded: PackRef | undefined }) {
  const missing = props.template === undefined;
  const pack = missing ? props.recorded : props.template?.pack;
  if (!pack || pack.id === CORE_PACK_ID) return null;
  const sandboxed = !missing && props.template?.pack?.sandboxed ? ' (sandboxed)' : '';
  return (
    <span
      className={missing ? 'mf-pack-badge mf-pack-missing' : 'mf-pack-badge'}
      data-testid="pack-badge"
      data-pack={pack.id}
      title={
        missing
          ? `needs node pack ${pack.id} ${pack.version}, which the server does not have`
          : `from node pack ${pack.id} ${pack.version}${sandboxed}`
      }
    >
      {missing ? `missing: ${pack.id}` : pack.id}
    </span>
  );
}

function WorkflowNodeViewInner({ id, data, selected }: NodeProps<WorkflowFlowNode>) {
  const template = useUi((s) => s.templates.get(data.classType));
  const tabId = useTabs((s) => s.activeId);
  const run = useRuns((s) => {
    const tab = s.byTab[tabId];
    return tab && ownValue(tab.nodes, id);
  });
  const issues =
    useRuns((s) => {
      const tab = s.byTab[tabId];
      return tab && ownValue(tab.issues, id);
    }) ?? NO_ISSUES;
  // What the editor can tell before queueing; the server's verdict (issues) replaces it per input.
  const warnings = useMemo(() => {
    const local = localIssues(data, template);
    return local.filter((w) => !issues.some((i) => i.input !== undefined && i.input === w.input));
  }, [data, template, issues]);
  const detail = useStore(detailOf);
  const compact = detail !== 'full';
  const title = data.title ?? template?.displayName ?? data.classType;
  const status = run?.status;
  const progress = run?.progress ? Math.round((100 * run.progress.value) / Math.max(1, run.progress.max)) : 0;
  const classes = [
    'mf-node',
    `mf-mode-${data.mode}`,
    status ? `mf-status-${status}` : '',
    issues.length > 0 ? 'mf-has-issues' : warnings.length > 0 ? 'mf-has-warnings' : '',
    selected ? 'mf-selected' : '',
    template ? '' : 'mf-unknown',
    compact ? 'mf-compact' : '',
    detail === 'overview' ? 'mf-overview' : '',
  ].join(' ');
  const width = data.size?.[0];
  return (
    <div
      className={classes}
      style={width ? { width } : undefined}
      data-testid="workflow-node"
      data-node-id={id}
      data-status={status ?? 'idle'}
    >
      <header className="mf-node-header" style={data.color ? { background: data.color } : undefined}>
        <Title nodeId={id} title={title} />
        <span className="mf-node-id">#{id}</span>
        {data.mode !== 'always' && <span className="mf-mode-badge">{data.mode}</span>}
        <PackBadge template={template} recorded={data.pack} />
      </header>
      <div className="mf-progress" aria-hidden={status !== 'running'}>
        <div
          className="mf-progress-bar"
          data-testid="node-progress"
          style={{ width: `${status === 'running' ? progress : 0}%` }}
        />
      </div>
      {status === 'running' && run?.progress?.text !== undefined && (
        <div className="mf-progress-text" data-testid="node-progress-text">
          {run.progress.text}
        </div>
      )}
      {!template && (
        <div className="mf-issue" data-testid="missing-node-type">
          {missingNodeTypeMessage(id, data.classType, data.pack)}
        </div>
      )}
      <div className="mf-outputs">
        {template?.outputs.map((output) => (
          <div key={output.index} className="mf-output-row" title={output.tooltip || undefined}>
            <span className="mf-socket-label">
              {output.name}
              {output.isList && <span className="mf-list-badge">list</span>}
            </span>
            <Handle
              type="source"
              position={Position.Right}
              id={outputHandleId(output.index)}
              className={output.isList ? 'mf-handle mf-list-handle' : 'mf-handle'}
              style={{ background: socketColor(output.type), borderColor: socketColor(output.type) }}
            />
          </div>
        ))}
      </div>
      <div className="mf-inputs">
        {template?.inputs.map((input) => (
          <InputRow
            key={input.name}
            nodeId={id}
            input={input}
            data={data}
            issues={issues}
            warnings={warnings}
            compact={compact}
          />
        ))}
      </div>
      {issues.length > 0 && !compact && (
        <ul className="mf-issues" data-testid="node-issues">
          {issues.map((issue) => (
            <li key={`${issue.type}:${issue.input ?? ''}:${issue.message}`} className="mf-issue">
              {issue.message}
            </li>
          ))}
        </ul>
      )}
      {warnings.length > 0 && !compact && (
        <ul className="mf-issues mf-warnings" data-testid="node-warnings">
          {warnings.map((warning) => (
            <li key={`${warning.type}:${warning.input ?? ''}`} className="mf-issue mf-warning">
              {warning.message}
            </li>
          ))}
        </ul>
      )}
      {!compact && <NodeMedia run={run} reserve={template?.outputNode ?? false} />}
    </div>
  );
}

/** The React Flow node type `workflow`. */
export const WorkflowNodeView = memo(WorkflowNodeViewInner);
