/**
 * @module
 * The editor's shell: top bar, tabs, canvas, side panel, palette, toasts and image viewer, wired to
 * one set of stores and services.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useMemo } from 'react';
import type { ServerAddress } from '../features/api/lib/server-address';
import { useEventSocket } from '../features/execution/hooks/use-event-socket';
import { LibraryPanel } from '../features/files/components/LibraryPanel';
import { FlowCanvas } from '../features/graph/components/FlowCanvas';
import { createPointerTracker, PointerContext, usePointer } from '../features/graph/hooks/use-pointer';
import { NodePalette } from '../features/palette/components/NodePalette';
import { QueuePanel } from '../features/queue/components/QueuePanel';
import { useTemplatesLoader } from '../features/schema/hooks/use-templates-loader';
import { Lightbox } from '../features/shell/components/Lightbox';
import { StatusBar } from '../features/shell/components/StatusBar';
import { Toasts } from '../features/shell/components/Toasts';
import { TopBar } from '../features/shell/components/TopBar';
import { HelpPanel } from '../features/shortcuts/components/HelpPanel';
import { useShortcuts } from '../features/shortcuts/hooks/use-shortcuts';
import { TabBar } from '../features/tabs/components/TabBar';
import { useSessionPersistence } from '../features/tabs/hooks/use-session-persistence';
import { EditorContext, type EditorServices, useUi } from './editor-context';

function SidePanel() {
  const panel = useUi((s) => s.panel);
  switch (panel) {
    case 'none':
      return null;
    case 'queue':
      return <QueuePanel />;
    case 'help':
      return <HelpPanel />;
    case 'library':
      return <LibraryPanel />;
  }
}

function Shell({ services, address }: { services: EditorServices; address: ServerAddress }) {
  const pointer = useMemo(createPointerTracker, []);
  useEventSocket(services, address);
  useTemplatesLoader(services);
  useSessionPersistence(services);
  return (
    <PointerContext.Provider value={pointer}>
      <ShortcutScope services={services} />
      <div className="mf-app">
        <TopBar />
        <TabBar />
        <main className="mf-main">
          <FlowCanvas />
          <SidePanel />
        </main>
        <StatusBar />
      </div>
      <NodePalette />
      <Toasts />
      <Lightbox />
    </PointerContext.Provider>
  );
}

/** Shortcuts need React Flow's instance and the pointer, so they live inside both providers. */
function ShortcutScope({ services }: { services: EditorServices }) {
  useShortcuts(services, usePointer());
  return null;
}

/**
 * @example
 * createRoot(el).render(<App services={services} address={address} />);
 */
export function App({ services, address }: { services: EditorServices; address: ServerAddress }) {
  return (
    <EditorContext.Provider value={services}>
      <ReactFlowProvider>
        <Shell services={services} address={address} />
      </ReactFlowProvider>
    </EditorContext.Provider>
  );
}
