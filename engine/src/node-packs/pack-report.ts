/**
 * @module
 * What loading did with each pack, for `momaflow nodes list`, `/api/system_stats` and the editor: one
 * entry per pack with a `status`, the node types it registered (and which were renamed because another
 * pack or a built-in already had the name), or the error that disabled it.
 */
import type { PackExample, PackSocketType } from './node-pack';

/** Where a pack came from: a hand-made `custom_nodes/<folder>`, or installed by `momaflow nodes add`. */
export type PackOrigin = 'folder' | 'installed';

interface PackReportCommon {
  /** The pack id (its folder or package name when it failed before saying). */
  readonly id: string;
  readonly version: string | null;
  readonly displayName: string | null;
  readonly folder: string;
  readonly origin: PackOrigin;
  readonly trusted: boolean;
}

/** A node type registered under another name because its own was taken. */
export interface RenamedNode {
  readonly from: string;
  readonly to: string;
}

export type PackReport = PackReportCommon &
  (
    | {
        readonly status: 'loaded';
        readonly sandboxed: boolean;
        readonly nodes: readonly string[];
        readonly renamed: readonly RenamedNode[];
        readonly sockets: readonly PackSocketType[];
        readonly examples: readonly PackExample[];
      }
    | { readonly status: 'disabled' }
    | {
        readonly status: 'incompatible' | 'failed';
        readonly error: { readonly code: string; readonly message: string };
      }
  );

export type PackStatus = PackReport['status'];

/** A one-line description of a pack's state, for logs and the CLI. */
export function describePackReport(report: PackReport): string {
  const name = `${report.id}${report.version ? `@${report.version}` : ''}`;
  switch (report.status) {
    case 'loaded': {
      const renamed = report.renamed.map((r) => `${r.from} -> ${r.to}`).join(', ');
      return `${name}: loaded ${report.nodes.length} node(s)${report.sandboxed ? ' (sandboxed)' : ''}${renamed ? `; renamed to avoid a clash: ${renamed}` : ''}`;
    }
    case 'disabled':
      return `${name}: disabled`;
    case 'incompatible':
    case 'failed':
      return `${name}: ${report.status}: ${report.error.message}`;
  }
}
