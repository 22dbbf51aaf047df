import { describe, expect, it } from 'vitest';
import { DIFFUSERS_WEIGHT_NAMES, findDiffusersComponent, resolveCheckpointLayout } from './checkpoint-layout';
import { fixturePath } from './test-support';

describe(resolveCheckpointLayout.name, () => {
  it('treats a folder as a diffusers layout', async () => {
    expect(await resolveCheckpointLayout(fixturePath('tiny-sd'))).toEqual({
      kind: 'diffusers',
      root: fixturePath('tiny-sd'),
    });
  });

  it('reads the yaml beside a single file', async () => {
    const layout = await resolveCheckpointLayout(fixturePath('tiny-sd.safetensors'));
    expect(layout.kind).toBe('single-file');
    if (layout.kind !== 'single-file') return;
    expect(layout.yaml?.source).toBe(fixturePath('tiny-sd.yaml'));
  });

  it('leaves the yaml out when there is none', async () => {
    const layout = await resolveCheckpointLayout(fixturePath('vectors.safetensors'));
    expect(layout).toEqual({
      kind: 'single-file',
      file: fixturePath('vectors.safetensors'),
      yaml: undefined,
    });
  });

  it('refuses a missing path', async () => {
    await expect(resolveCheckpointLayout(fixturePath('missing.safetensors'))).rejects.toMatchObject({
      code: 'checkpoint_not_found',
    });
  });
});

describe(findDiffusersComponent.name, () => {
  it.each([
    ['vae', DIFFUSERS_WEIGHT_NAMES.diffusers, 'diffusion_pytorch_model.safetensors'],
    ['text_encoder', DIFFUSERS_WEIGHT_NAMES.transformers, 'model.safetensors'],
  ])('finds %s from the pipeline folder and from the component folder', async (component, names, file) => {
    const expected = {
      configPath: fixturePath('tiny-sd', component, 'config.json'),
      weightsPath: fixturePath('tiny-sd', component, file),
    };
    expect(await findDiffusersComponent(fixturePath('tiny-sd'), component, names)).toEqual(expected);
    expect(await findDiffusersComponent(fixturePath('tiny-sd', component), component, names)).toEqual(
      expected,
    );
  });

  it('refuses a folder without the component', async () => {
    await expect(
      findDiffusersComponent(fixturePath('tiny-sd'), 'transformer', DIFFUSERS_WEIGHT_NAMES.diffusers),
    ).rejects.toMatchObject({ code: 'checkpoint_component_missing' });
  });
});
