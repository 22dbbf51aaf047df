/**
 * @module
 * A frame (the saved format's group): a titled, resizable area behind nodes; dragging it carries the
 * nodes inside.
 */
import { type NodeProps, NodeResizer } from '@xyflow/react';
import { memo, useState } from 'react';
import { useServices } from '../../../app/editor-context';
import type { FrameFlowNode } from '../lib/flow-types';

function FrameNodeViewInner({ id, data, selected }: NodeProps<FrameFlowNode>) {
  const { tabs } = useServices();
  const [editing, setEditing] = useState(false);
  return (
    <div
      className="mf-frame"
      style={data.color ? { borderColor: data.color, background: `${data.color}22` } : undefined}
      data-testid="frame"
    >
      <NodeResizer isVisible={selected ?? false} minWidth={120} minHeight={80} />
      {editing ? (
        <input
          // biome-ignore lint/a11y/noAutofocus: renaming starts by double-clicking the title
          autoFocus
          className="nodrag mf-title-input"
          defaultValue={data.title}
          onBlur={(e) => {
            setEditing(false);
            if (e.target.value !== data.title)
              tabs.getState().frameTitleChanged({ nodeId: id, title: e.target.value });
          }}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        />
      ) : (
        <button
          type="button"
          className="mf-frame-title"
          onDoubleClick={() => setEditing(true)}
          title="Double-click to rename"
        >
          {data.title || 'Group'}
        </button>
      )}
    </div>
  );
}

/** The React Flow node type `frame`. */
export const FrameNodeView = memo(FrameNodeViewInner);
