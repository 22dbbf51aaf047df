/**
 * @module
 * The palette's search: every query word must appear in the name, type or category; matches at the
 * start of the name rank first. When the palette was opened by dropping a link, only node types
 * with a socket that fits it are offered, together with that socket.
 */
import { isSocketCompatible } from '@momaflow/engine/protocol';
import type { NodeTemplate, TemplateMap } from '../../schema/lib/node-template';

/** The dangling end of a link dropped on the canvas. */
export type LinkFilter =
  | { readonly from: 'output'; readonly nodeId: string; readonly outputIndex: number; readonly type: string }
  | { readonly from: 'input'; readonly nodeId: string; readonly input: string; readonly type: string };

export interface PaletteMatch {
  readonly template: NodeTemplate;
  /** The socket of the new node to connect: an input name (link from an output) or an output index. */
  readonly socket?: { readonly input: string } | { readonly outputIndex: number };
}

function socketFor(template: NodeTemplate, filter: LinkFilter): PaletteMatch['socket'] | null {
  if (filter.from === 'output') {
    const input = template.inputs.find((i) => isSocketCompatible(filter.type, i.socketType));
    return input ? { input: input.name } : null;
  }
  const output = template.outputs.find((o) => isSocketCompatible(o.type, filter.type));
  return output ? { outputIndex: output.index } : null;
}

function score(template: NodeTemplate, words: readonly string[]): number {
  const name = template.displayName.toLowerCase();
  const hay = `${name} ${template.type.toLowerCase()} ${template.category.toLowerCase()}`;
  if (!words.every((w) => hay.includes(w))) return -1;
  const first = words[0] ?? '';
  if (name.startsWith(first) || template.type.toLowerCase().startsWith(first)) return 3;
  if (name.split(/[\s_/-]+/).some((part) => part.startsWith(first))) return 2;
  return 1;
}

/**
 * @example
 * searchTemplates(templates, 'save im') // [{ template: SaveImage }]
 */
export function searchTemplates(templates: TemplateMap, query: string, filter?: LinkFilter): PaletteMatch[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches: { match: PaletteMatch; rank: number }[] = [];
  for (const template of templates.values()) {
    if (template.deprecated) continue;
    const rank = score(template, words);
    if (rank < 0) continue;
    if (!filter) {
      matches.push({ match: { template }, rank });
      continue;
    }
    const socket = socketFor(template, filter);
    if (socket) matches.push({ match: { template, socket }, rank });
  }
  return matches
    .sort(
      (a, b) =>
        b.rank - a.rank ||
        a.match.template.category.localeCompare(b.match.template.category) ||
        a.match.template.displayName.localeCompare(b.match.template.displayName),
    )
    .map((m) => m.match);
}
