/**
 * @module
 * The SEGMENTER socket: a small immutable handle on a segmentation model file (where it is, its
 * identity, how to feed it). The onnxruntime session lives in the environment's `SEGMENT_SESSIONS`
 * under that identity, so a cached loader output costs nothing and re-runs reuse the session.
 */
import type { SegmentSettings } from './segment-model-config';
import type { SegmentModelIo } from './segment-model-io';

/** A segmentation model as SegmentModelLoader hands it to Segment. */
export interface Segmenter {
  readonly kind: 'onnx-segmenter';
  /** The file as the workflow names it, relative to `models/segment`. */
  readonly name: string;
  /** Real path of the `.onnx` file. */
  readonly path: string;
  /** Content key of the file and its JSON config: the session cache's key. */
  readonly key: string;
  readonly settings: SegmentSettings;
  readonly io: SegmentModelIo;
}

declare module '@momaflow/engine' {
  interface SocketTypes {
    SEGMENTER: Segmenter;
  }
}
