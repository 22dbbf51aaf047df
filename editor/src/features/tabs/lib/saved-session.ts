/**
 * @module
 * The open tabs, kept in the browser's storage so a reload (or a crash) brings them back with their
 * unsaved changes. Read back through zod and the workflow parser: storage is an edge like any file.
 */

import type { Workflow } from '@momaflow/engine/protocol';
import { z } from 'zod';
import { docToWorkflow } from '../../workflow/lib/doc-to-workflow';
import { parseWorkflow } from '../../workflow/lib/parse-workflow';
import type { WorkflowTab } from '../store/tabs-store';

/** The storage key (versioned, so a new layout never misreads an old one). */
export const SESSION_KEY = 'momaflow.session.v1';

const zSavedSession = z.object({
  active: z.number().int().nonnegative(),
  tabs: z
    .array(
      z.object({
        title: z.string(),
        libraryName: z.string().optional(),
        dirty: z.boolean(),
        workflow: z.unknown(),
      }),
    )
    .max(50),
});

export interface RestoredTab {
  readonly title: string;
  readonly libraryName?: string;
  readonly dirty: boolean;
  readonly workflow: Workflow;
}

/** The session to store: every tab that has nodes, as a saved workflow. */
export function sessionToJson(tabs: readonly WorkflowTab[], activeId: string): string {
  const kept = tabs.filter((t) => t.doc.nodes.length > 0);
  return JSON.stringify({
    active: Math.max(
      0,
      kept.findIndex((t) => t.id === activeId),
    ),
    tabs: kept.map((t) => ({
      title: t.title,
      ...(t.libraryName ? { libraryName: t.libraryName } : {}),
      dirty: t.revision !== t.savedRevision,
      workflow: docToWorkflow(t.doc),
    })),
  });
}

/**
 * The tabs a stored session holds; anything unreadable is skipped, never thrown.
 * @example
 * const restored = sessionFromJson(localStorage.getItem(SESSION_KEY));
 */
export function sessionFromJson(text: string | null): { tabs: RestoredTab[]; active: number } {
  if (!text) return { tabs: [], active: 0 };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { tabs: [], active: 0 };
  }
  const session = zSavedSession.safeParse(json);
  if (!session.success) return { tabs: [], active: 0 };
  const tabs = session.data.tabs.flatMap((t): RestoredTab[] => {
    const parsed = parseWorkflow(t.workflow);
    if (!parsed.ok) return [];
    return [
      {
        title: t.title,
        dirty: t.dirty,
        workflow: parsed.workflow,
        ...(t.libraryName ? { libraryName: t.libraryName } : {}),
      },
    ];
  });
  return { tabs, active: Math.min(session.data.active, Math.max(0, tabs.length - 1)) };
}
