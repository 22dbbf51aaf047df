/**
 * @module
 * Browser entry: builds the stores and services for this window and mounts the editor.
 */
import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import type { EditorServices } from './app/editor-context';
import { createApiClient } from './features/api/lib/api-client';
import { serverAddress } from './features/api/lib/server-address';
import { randomId } from './features/execution/lib/random-id';
import { createRunStore } from './features/execution/store/run-store';
import { createUiStore } from './features/shell/store/ui-store';
import { createTabsStore } from './features/tabs/store/tabs-store';

const TOKEN_KEY = 'momaflow.token';

const page = new URL(window.location.href);
const address = serverAddress(page, sessionStorage.getItem(TOKEN_KEY) ?? undefined);
if (address.token) sessionStorage.setItem(TOKEN_KEY, address.token);
if (page.searchParams.has('token')) {
  // Keep the token out of the address bar, history and bookmarks once it is stored.
  page.searchParams.delete('token');
  window.history.replaceState(null, '', page.href);
}

const services: EditorServices = {
  tabs: createTabsStore(),
  runs: createRunStore({
    createUrl: (blob) => URL.createObjectURL(blob),
    revokeUrl: (url) => URL.revokeObjectURL(url),
  }),
  ui: createUiStore(),
  api: createApiClient(address),
  clientId: randomId(),
};

// Tests and scripts drive the editor through the same stores the UI uses.
(window as Window & { momaflow?: EditorServices }).momaflow = services;

window.addEventListener('beforeunload', (e) => {
  if (services.tabs.getState().tabs.some((t) => t.revision !== t.savedRevision && t.doc.nodes.length > 0))
    e.preventDefault();
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App services={services} address={address} />
  </StrictMode>,
);
