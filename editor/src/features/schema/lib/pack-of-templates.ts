/**
 * @module
 * Provenance for saving: the pack (id, version) each node type comes from, read from the templates, so
 * a workflow saved from the editor names the packs its nodes need.
 */
import { type PackRef, recordProvenance, type Workflow } from '@momaflow/engine/protocol';
import type { TemplateMap } from './node-template';

/**
 * The workflow with each node's pack recorded (nodes that already name one keep it).
 * @example
 * downloadWorkflow(withProvenance(docToWorkflow(doc), templates), title);
 */
export function withProvenance(workflow: Workflow, templates: TemplateMap): Workflow {
  const packOf = (type: string): PackRef | undefined => {
    const pack = templates.get(type)?.pack;
    return pack ? { id: pack.id, version: pack.version } : undefined;
  };
  return recordProvenance(workflow, packOf) as Workflow;
}
