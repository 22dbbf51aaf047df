/**
 * @module
 * A note: free text on the canvas, edited in place and resizable.
 */
import { type NodeProps, NodeResizer } from '@xyflow/react';
import { memo, useEffect, useState } from 'react';
import { useServices } from '../../../app/editor-context';
import type { NoteFlowNode } from '../lib/flow-types';

function NoteNodeViewInner({ id, data, selected }: NodeProps<NoteFlowNode>) {
  const { tabs } = useServices();
  const [text, setText] = useState(data.text);
  useEffect(() => setText(data.text), [data.text]);
  return (
    <div className="mf-note" style={data.color ? { background: data.color } : undefined} data-testid="note">
      <NodeResizer isVisible={selected ?? false} minWidth={140} minHeight={60} />
      <textarea
        className="nodrag nowheel mf-note-text"
        aria-label="note"
        value={text}
        placeholder="Write a note…"
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== data.text && tabs.getState().noteTextChanged({ nodeId: id, text })}
      />
    </div>
  );
}

/** The React Flow node type `note`. */
export const NoteNodeView = memo(NoteNodeViewInner);
