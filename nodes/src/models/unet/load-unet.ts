/**
 * @module
 * Open the UNet of a checkpoint as people have them: a diffusers pipeline or `unet/` folder
 * (`config.json` + weights), or a single-file LDM checkpoint (config from the `.yaml` beside it, else
 * SD1.5's; optionally its EMA weights). Reads configs and headers only; tensors are read when a graph is compiled.
 */
import {
  type CheckpointLayout,
  DIFFUSERS_WEIGHT_NAMES,
  findDiffusersComponent,
  readConfigJson,
  resolveCheckpointLayout,
} from '../ldm-config';
import { unetConfigFromLdmYaml } from './ldm-unet-config';
import { UNET_CONFIG_JSON_SCHEMA, type UnetConfig, unetConfigFromJson } from './unet-config';
import { createUnetModel, type UnetModel } from './unet-model';
import {
  diffusersUnetWeights,
  type LdmUnetWeightsOptions,
  ldmUnetWeights,
  type UnetWeightSource,
} from './unet-weights';

/**
 * The UNet MODEL of the checkpoint at `path`.
 * @throws EngineError `checkpoint_not_found`, `checkpoint_component_missing`, `invalid_model_config`,
 * `invalid_ldm_yaml`.
 * @example
 * const model = await loadUnet('models/checkpoints/v1-5-pruned-emaonly.safetensors');
 * const fromFolder = await loadUnet('models/diffusers/tiny-sd');
 * const ema = await loadUnet('models/checkpoints/dreambooth.ckpt', { ema: true });
 */
export async function loadUnet(path: string, o: LdmUnetWeightsOptions = {}): Promise<UnetModel> {
  return loadUnetFromLayout(await resolveCheckpointLayout(path), o);
}

/**
 * Load from an already resolved layout (CheckpointLoader gives a single file another yaml).
 * @example
 * const model = await loadUnetFromLayout({ ...layout, yaml: await readLdmYaml('models/configs/v1-inference.yaml') });
 */
export async function loadUnetFromLayout(
  layout: CheckpointLayout,
  o: LdmUnetWeightsOptions = {},
): Promise<UnetModel> {
  let config: UnetConfig;
  let weights: UnetWeightSource;
  switch (layout.kind) {
    case 'diffusers': {
      const part = await findDiffusersComponent(layout.root, 'unet', DIFFUSERS_WEIGHT_NAMES.diffusers);
      config = unetConfigFromJson(
        await readConfigJson(part.configPath, UNET_CONFIG_JSON_SCHEMA),
        part.configPath,
      );
      weights = await diffusersUnetWeights(part.weightsPath);
      break;
    }
    case 'single-file': {
      config = unetConfigFromLdmYaml(layout.yaml);
      weights = await ldmUnetWeights(layout.file, config.layersPerBlock, o);
      break;
    }
  }
  return createUnetModel({ config, weights });
}
