/**
 * @module
 * A link drawn in its socket type's colour, thicker when selected.
 */
import { BaseEdge, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { socketColor } from '../../schema/lib/socket-colors';
import type { FlowEdge } from '../lib/flow-types';

function TypedEdgeInner(props: EdgeProps<FlowEdge>) {
  const [path] = getBezierPath(props);
  const color = socketColor(props.data?.type ?? '*');
  return (
    <BaseEdge
      id={props.id}
      path={path}
      style={{ stroke: color, strokeWidth: props.selected ? 4 : 2.5, opacity: props.selected ? 1 : 0.85 }}
    />
  );
}

/** The default edge type of the canvas. */
export const TypedEdge = memo(TypedEdgeInner);
