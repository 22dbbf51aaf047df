/**
 * @module
 * IPAdapterLoader: an IP-Adapter from `models/ipadapter` (h94/IP-Adapter's `.bin` or `.safetensors`)
 * with the CLIP vision tower it was trained on from `models/clip_vision`, as an IP_ADAPTER (for
 * IPAdapterEncode) and an ATTENTION_ADAPTER of its `ip_adapter.{i}.to_k_ip` / `to_v_ip` weights (for
 * ImagePromptAttention, the image-prompt cross-attention MoMA uses too).
 */
import { defineNode } from '@momaflow/engine';
import type { AttentionAdapter } from '../attention';
import { checkpointIdentity } from '../diffusion';
import { loadFailure, modelFileInput } from '../diffusion/model-file-input';
import { listFolder } from '../files/list-folder';
import { listVisionTowers } from '../mllm';
import { loadClipVision } from '../models/clip-vision';
import { checkIpAdapterTower, IP_ADAPTER_SECTIONS, readIpAdapter } from '../models/ip-adapter';
import type { IpAdapterHandle } from './ip-adapter-types';

const NODE = 'IPAdapterLoader';
const EXTENSIONS = ['.safetensors', '.bin'];

const ADAPTER = modelFileInput({
  nodeType: NODE,
  input: 'ipadapter_file',
  folder: 'ipadapter',
  list: (root) =>
    listFolder(root, {
      acceptFile: (e) =>
        (e.isFile() || e.isSymbolicLink()) && EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x)),
    }),
  tooltip:
    'The IP-Adapter (e.g. ip-adapter_sd15.safetensors, ip-adapter-plus_sd15.safetensors), relative to models/ipadapter.',
});

const TOWER = modelFileInput({
  nodeType: NODE,
  input: 'clip_vision',
  folder: 'clip_vision',
  list: listVisionTowers,
  tooltip:
    "The adapter's CLIP vision tower (ViT-H/14 for the SD1.5 adapters, with its visual_projection for ip-adapter_sd15), relative to models/clip_vision.",
});

/** Loads an IP-Adapter and its vision tower. */
export const IPAdapterLoader = defineNode({
  type: NODE,
  displayName: 'Load IP-Adapter',
  category: 'loaders/ipadapter',
  description:
    "Loads an SD1.5 IP-Adapter (ip-adapter_sd15: ImageProjModel on the tower's image_embeds; ip-adapter-plus_sd15: Resampler on its hidden states) from models/ipadapter and its CLIP vision tower (IP-Adapter's image_encoder, a CLIPVisionModelWithProjection) from models/clip_vision.",
  inputs: { ipadapter_file: ADAPTER.combo, clip_vision: TOWER.combo },
  outputs: [
    {
      type: 'IP_ADAPTER',
      name: 'IP_ADAPTER',
      tooltip: 'The image projection and its vision tower, for IPAdapterEncode.',
    },
    {
      type: 'ATTENTION_ADAPTER',
      name: 'ATTENTION_ADAPTER',
      tooltip: "The adapter's to_k_ip / to_v_ip weights, for Image Prompt Attention.",
    },
  ],
  fingerprint: async (args) =>
    `${await ADAPTER.hooks.fingerprint(args)}|${await TOWER.hooks.fingerprint(args)}`,
  validate: async (args) => [...(await ADAPTER.hooks.validate(args)), ...(await TOWER.hooks.validate(args))],
  run: async (ctx, { ipadapter_file, clip_vision }) => {
    const path = await ADAPTER.resolve(ctx.env, ipadapter_file);
    const towerPath = await TOWER.resolve(ctx.env, clip_vision);
    const file = await readIpAdapter(path).catch((cause: unknown) => {
      throw loadFailure({
        label: ADAPTER.label,
        name: ipadapter_file,
        path,
        cause,
        code: 'ip_adapter_invalid',
      });
    });
    const tower = await loadClipVision(towerPath).catch((cause: unknown) => {
      throw loadFailure({
        label: TOWER.label,
        name: clip_vision,
        path: towerPath,
        cause,
        code: 'not_a_vision_tower',
      });
    });
    await checkIpAdapterTower(file, tower).catch((cause: unknown) => {
      throw loadFailure({
        label: TOWER.label,
        name: clip_vision,
        path: towerPath,
        cause,
        code: 'ip_adapter_mismatch',
      });
    });
    const adapterKey = await checkpointIdentity(path);
    const handle: IpAdapterHandle = {
      kind: 'ip-adapter',
      key: `${adapterKey}|${await checkpointIdentity(towerPath)}`,
      file,
      tower,
    };
    const attention: AttentionAdapter = {
      kind: 'attention-adapter',
      key: adapterKey,
      path,
      section: IP_ADAPTER_SECTIONS.attention,
    };
    return [handle, attention];
  },
});
