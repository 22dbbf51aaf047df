/**
 * @module
 * Named sets of attention layers, by where they sit in the UNet, for nodes that let the user choose
 * which layers a patch uses (MoMA's subject mask averages every cross-attention layer).
 */
import type { AttentionHookPoint } from '../models/unet';

/** The layer sets a node offers. */
export const LAYER_SELECTIONS = {
  all: () => true,
  down: (p) => p.block === 'down',
  mid: (p) => p.block === 'mid',
  up: (p) => p.block === 'up',
  'up+mid': (p) => p.block !== 'down',
} as const satisfies Record<string, (p: AttentionHookPoint) => boolean>;

export type LayerSelection = keyof typeof LAYER_SELECTIONS;

/** The selection names, in the order nodes list them. */
export const LAYER_SELECTION_NAMES = Object.keys(LAYER_SELECTIONS) as readonly LayerSelection[];
