/**
 * @module
 * The values ControlNets travel in: the CONTROL_NET socket (a loaded ControlNet, a small immutable
 * handle whose graphs live in the environment's caches under its content key), and what Apply
 * ControlNet attaches to each CONDITIONING entry, as ComfyUI attaches `control`: the ControlNet, its
 * hint, strength and schedule window, and the application it was chained after (residuals of a chain
 * are summed).
 */
import type { Tensor } from '@momaflow/engine';
import type { ControlNetModel } from '../models/controlnet';

/** The CONTROL_NET socket. */
export interface ControlNetHandle {
  readonly kind: 'controlnet';
  /** Content key of the file (path, size, mtime, and its yaml's), keying its built graphs. */
  readonly key: string;
  /** The name it was loaded by, for messages. */
  readonly name: string;
  readonly model: ControlNetModel;
}

/** What one Apply ControlNet sets. */
export interface ControlSettings {
  readonly controlNet: ControlNetHandle;
  /** IMAGE [batch, height, width, channels] in [0, 1]. */
  readonly hint: Tensor<'float32'>;
  /** Residuals are multiplied by it. */
  readonly strength: number;
  /** Part of the schedule it acts on (ComfyUI: compared as sigmas, `percent_to_sigma`). */
  readonly startPercent: number;
  readonly endPercent: number;
  /**
   * Legacy ControlNetApply (ComfyUI `control_apply_to_uncond`): a negative side without any ControlNet
   * gets this one too, so both halves of CFG see it.
   */
  readonly applyToUncond: boolean;
}

/** One ControlNet applied to a conditioning entry. Entries sharing one application run it together. */
export interface ControlApplication extends ControlSettings {
  /** The application it was chained after on the same entry, if any. */
  readonly previous: ControlApplication | undefined;
}

declare module '@momaflow/engine' {
  interface SocketTypes {
    CONTROL_NET: ControlNetHandle;
  }
}
