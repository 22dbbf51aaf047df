/**
 * @module
 * The canvas: React Flow bound to the active tab's document. Links are validated as they are drawn
 * (a refused one says why), a link dropped on empty canvas opens the palette filtered to fitting
 * node types, and double-click or Space opens the palette at the pointer.
 */
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  type FinalConnectionState,
  MiniMap,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import {
  type DragEvent,
  type MouseEvent as ReactMouseEvent,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useServices, useTabs } from '../../../app/editor-context';
import { openDroppedFile } from '../../files/lib/open-dropped-file';
import type { LinkFilter } from '../../palette/lib/search-templates';
import { activeTab } from '../../tabs/store/tabs-store';
import { usePointer } from '../hooks/use-pointer';
import type { FlowEdge, FlowNode } from '../lib/flow-types';
import { parseInputHandle, parseOutputHandle } from '../lib/handle-ids';
import { initialViewport } from '../lib/initial-viewport';
import { validateConnection } from '../lib/validate-connection';
import { FrameNodeView } from './FrameNodeView';
import { NoteNodeView } from './NoteNodeView';
import { TypedEdge } from './TypedEdge';
import { WorkflowNodeView } from './WorkflowNodeView';

const NODE_TYPES = { workflow: WorkflowNodeView, frame: FrameNodeView, note: NoteNodeView };
const EDGE_TYPES = { default: TypedEdge };
const SNAP_GRID: [number, number] = [10, 10];
const PRO_OPTIONS = { hideAttribution: true };
const ZOOM = { minZoom: 0.05, maxZoom: 1.5, padding: 0.1 };

function minimapColor(node: FlowNode): string {
  if (node.type === 'frame') return 'rgba(120,140,180,0.25)';
  if (node.type === 'note') return '#7a6a2a';
  return node.selected ? '#8ab4f8' : '#5c6370';
}

/** The end of a link dropped on the pane, as a palette filter. */
function linkFilter(
  state: FinalConnectionState,
  nodes: readonly FlowNode[],
  types: (n: FlowNode, h: string) => string | undefined,
): LinkFilter | undefined {
  const handle = state.fromHandle;
  const node = nodes.find((n) => n.id === handle?.nodeId);
  if (!handle?.id || !node) return undefined;
  const type = types(node, handle.id);
  if (type === undefined) return undefined;
  if (handle.type === 'source') {
    const outputIndex = parseOutputHandle(handle.id);
    return outputIndex === undefined ? undefined : { from: 'output', nodeId: node.id, outputIndex, type };
  }
  const input = parseInputHandle(handle.id);
  return input === undefined ? undefined : { from: 'input', nodeId: node.id, input, type };
}

export function FlowCanvas() {
  const services = useServices();
  const { tabs, ui } = services;
  const tabId = useTabs((s) => s.activeId);
  const nodes = useTabs((s) => activeTab(s).doc.nodes) as FlowNode[];
  const edges = useTabs((s) => activeTab(s).doc.edges) as FlowEdge[];
  const [snap, setSnap] = useState(false);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const pointer = usePointer();
  const wrapper = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: computed once per opened tab, before the first render of its nodes
  const startViewport = useMemo(() => {
    const screen = wrapper.current ?? {
      clientWidth: window.innerWidth,
      clientHeight: window.innerHeight - 80,
    };
    return initialViewport(
      activeTab(tabs.getState()).doc.nodes,
      { width: screen.clientWidth, height: screen.clientHeight },
      ZOOM,
    );
  }, [tabId]);

  // Each opened workflow starts framed in view: estimated before rendering, exact once measured.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-fit only when the tab changes
  useEffect(() => {
    const frame = requestAnimationFrame(
      () => void flow.fitView({ padding: ZOOM.padding, maxZoom: 1, duration: 0 }),
    );
    return () => cancelAnimationFrame(frame);
  }, [tabId]);

  const socketType = useCallback(
    (node: FlowNode, handleId: string): string | undefined => {
      if (node.type !== 'workflow') return undefined;
      const template = ui.getState().templates.get(node.data.classType);
      const out = parseOutputHandle(handleId);
      if (out !== undefined) return template?.outputs[out]?.type;
      const input = parseInputHandle(handleId);
      return template?.inputs.find((i) => i.name === input)?.socketType;
    },
    [ui],
  );

  const check = useCallback(
    (link: {
      source: string;
      sourceHandle?: string | null;
      target: string;
      targetHandle?: string | null;
    }) => {
      const { doc } = activeTab(tabs.getState());
      return validateConnection({
        nodes: doc.nodes,
        edges: doc.edges,
        templates: ui.getState().templates,
        link,
      });
    },
    [tabs, ui],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.toHandle && state.toNode && state.fromHandle) {
        if (state.isValid) return;
        const from = state.fromHandle;
        const to = state.toHandle;
        const link =
          from.type === 'source'
            ? { source: from.nodeId, sourceHandle: from.id, target: to.nodeId, targetHandle: to.id }
            : { source: to.nodeId, sourceHandle: to.id, target: from.nodeId, targetHandle: from.id };
        const result = check(link);
        if (!result.ok) ui.getState().toastShown('error', `Link refused: ${result.message}`);
        return;
      }
      if (state.toNode) return;
      const filter = linkFilter(state, activeTab(tabs.getState()).doc.nodes, socketType);
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if (!filter || !point) return;
      ui.getState().paletteOpened({
        at: flow.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
        screen: { x: point.clientX, y: point.clientY },
        filter,
      });
    },
    [check, flow, socketType, tabs, ui],
  );

  const onDoubleClick = (e: ReactMouseEvent) => {
    if (!(e.target instanceof Element) || !e.target.classList.contains('react-flow__pane')) return;
    ui.getState().paletteOpened({
      at: flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }),
      screen: { x: e.clientX, y: e.clientY },
    });
  };

  const onDrop = (e: DragEvent) => {
    const file = e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    void openDroppedFile(services, file);
  };

  return (
    <div
      ref={wrapper}
      className="mf-canvas"
      role="application"
      aria-label="Workflow canvas"
      data-testid="canvas"
      onDoubleClick={onDoubleClick}
      onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()}
      onDrop={onDrop}
      onPointerMove={(e) =>
        pointer.moved(flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }), {
          x: e.clientX,
          y: e.clientY,
        })
      }
    >
      <ReactFlow<FlowNode, FlowEdge>
        // A fresh React Flow per tab, so each opens at its own fitted viewport.
        key={tabId}
        defaultViewport={startViewport}
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        edgeTypes={EDGE_TYPES}
        onNodesChange={(changes) => tabs.getState().flowNodesChanged(changes)}
        onEdgesChange={(changes) => tabs.getState().flowEdgesChanged(changes)}
        onConnect={(link) => {
          const result = tabs.getState().linkRequested(link, ui.getState().templates);
          if (!result.ok) ui.getState().toastShown('error', `Link refused: ${result.message}`);
        }}
        isValidConnection={(link) => check(link).ok}
        onConnectEnd={onConnectEnd}
        colorMode="dark"
        zoomOnDoubleClick={false}
        deleteKeyCode={['Delete', 'Backspace']}
        elevateNodesOnSelect={false}
        snapToGrid={snap}
        snapGrid={SNAP_GRID}
        minZoom={ZOOM.minZoom}
        maxZoom={4}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <MiniMap pannable zoomable nodeColor={minimapColor} />
        <Controls>
          <ControlButton
            onClick={() => setSnap(!snap)}
            title={snap ? 'Snap to grid: on' : 'Snap to grid: off'}
            aria-pressed={snap}
            className={snap ? 'mf-active' : ''}
          >
            #
          </ControlButton>
          <ControlButton
            onClick={() => tabs.getState().autoLayoutApplied()}
            title="Auto-layout (Ctrl+Shift+L)"
          >
            ⇶
          </ControlButton>
        </Controls>
      </ReactFlow>
    </div>
  );
}
