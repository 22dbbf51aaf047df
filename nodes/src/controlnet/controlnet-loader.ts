/**
 * @module
 * ControlNetLoader, ComfyUI's "Load ControlNet Model": a ControlNet from `models/controlnet` (a
 * diffusers folder or a single file of the original releases) as CONTROL_NET. Both of its graphs are
 * built here, so a damaged file or one whose weights do not fit its config fails at the loader, naming
 * the file; the file's identity is part of the cache signature.
 */
import { join } from 'node:path';
import { defineNode, EngineError, errorMessage, Input, type NodeEnv } from '@momaflow/engine';
import { checkpointIdentity } from '../diffusion/checkpoint-identity';
import { resolveExistingInside } from '../image/confined-path';
import { loadControlNet } from '../models/controlnet';
import type { ControlNetHandle } from './control-types';
import { controlNetGraph } from './controlnet-graphs';
import { listControlNets } from './list-controlnets';

const LABEL = "ControlNetLoader input 'control_net_name'";

const controlNetDir = (models: string) => join(models, 'controlnet');

/**
 * The CONTROL_NET of `name` under `<models>/controlnet`, its graphs built.
 * @throws EngineError whose message starts with the node's input and names the file (the code of
 * the underlying error is kept: `not_a_controlnet`, `controlnet_format_unsupported`, ...).
 * @example
 * const control = await loadControlNetHandle(env, 'control_v11p_sd15_canny.pth');
 */
export async function loadControlNetHandle(env: NodeEnv, name: string): Promise<ControlNetHandle> {
  const path = await resolveExistingInside(controlNetDir(env.dirs.models), name, LABEL);
  try {
    const handle: ControlNetHandle = Object.freeze({
      kind: 'controlnet',
      key: await checkpointIdentity(path),
      name,
      model: await loadControlNet(path),
    });
    await controlNetGraph(env, handle, 'hint');
    await controlNetGraph(env, handle, 'net');
    return handle;
  } catch (cause) {
    const code = cause instanceof EngineError ? cause.code : 'controlnet_unreadable';
    throw new EngineError(
      code,
      `${LABEL}: cannot load '${name}': ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
}

/** ComfyUI's ControlNetLoader. */
export const ControlNetLoader = defineNode({
  type: 'ControlNetLoader',
  displayName: 'Load ControlNet Model',
  category: 'loaders',
  description:
    'Loads an SD1.x ControlNet from models/controlnet: a diffusers folder, or a single .safetensors / .pth file as the original releases ship them (with their .yaml beside it, or SD1.5 shapes).',
  inputs: {
    control_net_name: Input.combo({
      options: ({ env }) => listControlNets(controlNetDir(env.dirs.models)),
      tooltip: 'The ControlNet to load, relative to models/controlnet.',
    }),
  },
  outputs: [{ type: 'CONTROL_NET', name: 'CONTROL_NET', tooltip: 'The ControlNet, for Apply ControlNet.' }],
  fingerprint: async ({ values, env }) => {
    if (values.control_net_name === undefined) return '';
    return checkpointIdentity(
      await resolveExistingInside(controlNetDir(env.dirs.models), values.control_net_name, LABEL),
    );
  },
  validate: async ({ values, env }) => {
    if (values.control_net_name === undefined) return [];
    try {
      await resolveExistingInside(controlNetDir(env.dirs.models), values.control_net_name, LABEL);
      return [];
    } catch (err) {
      return [{ input: 'control_net_name', message: errorMessage(err) }];
    }
  },
  run: async (ctx, { control_net_name }) => [await loadControlNetHandle(ctx.env, control_net_name)],
});
