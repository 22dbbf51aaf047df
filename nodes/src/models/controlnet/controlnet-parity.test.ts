import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors, SessionCache, Tensor, withWeightReader } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { WeightMap } from '../ldm-config';
import { parityError, readFloatVector, readVector } from '../ldm-config/test-support';
import { loadUnet, UnetGraphCache, UnetSession } from '../unet';
import { fixturePath, vectorNames } from '../unet/test-fixtures';
import { buildControlNetGraph } from './controlnet-graph';
import { type ControlResiduals, embedHint, runControlNet } from './controlnet-runner';
import { buildHintEmbeddingGraph } from './hint-embedding-graph';
import { type ControlNetModel, controlNetSelector, loadControlNet } from './load-controlnet';
import { TINY_CONTROLNET, writeCldmCopy } from './test-support';

const sessions = SessionCache.create({ maxEntries: 8, defaults: { intraOpNumThreads: 1 } });
const root = await mkdtemp(join(tmpdir(), 'momaflow-controlnet-'));
afterAll(async () => {
  await sessions.dispose();
  await rm(root, { recursive: true, force: true });
});

/** `controlnet.down_*` names in residual order, from the fixture file. */
async function downNames(): Promise<string[]> {
  const names = await vectorNames('controlnet.down_');
  return names.sort((a, b) => Number(a.split('_').at(-1)) - Number(b.split('_').at(-1)));
}

async function fixtureInput() {
  const timestep = await readVector('unet.timestep');
  return {
    sample: await readFloatVector('unet.sample'),
    timestep: new Tensor('float32', timestep.shape, Float32Array.from(timestep.data, Number)),
    encoderHiddenStates: await readFloatVector('unet.encoder_hidden_states'),
    hint: await readFloatVector('controlnet.hint'),
    scale: (await readFloatVector('controlnet.scale')).data[0]!,
  };
}

async function residualsOf(model: ControlNetModel): Promise<ControlResiduals> {
  const input = await fixtureInput();
  const weights = await withWeightReader(model.weightsPath, (r) =>
    WeightMap.load(r, controlNetSelector(model, r.keys())),
  );
  const hintLease = await sessions.acquire({ model: buildHintEmbeddingGraph(weights, model.config) });
  const netLease = await sessions.acquire({
    model: buildControlNetGraph({ weights, config: model.config, layout: model.layout }),
  });
  try {
    const embedding = await embedHint(hintLease.session, input.hint, model.origin);
    return await runControlNet(netLease.session, {
      ...input,
      embedding,
      skips: model.layout.skips.length,
      origin: model.origin,
    });
  } finally {
    hintLease.release();
    netLease.release();
  }
}

async function expectFixtureResiduals(r: ControlResiduals): Promise<void> {
  const names = await downNames();
  expect(r.down).toHaveLength(names.length);
  for (const [i, name] of names.entries()) {
    const { maxDiff, bound } = parityError(r.down[i]!, await readFloatVector(name));
    expect(maxDiff, name).toBeLessThanOrEqual(bound);
  }
  const { maxDiff, bound } = parityError(r.mid, await readFloatVector('controlnet.mid'));
  expect(maxDiff, 'controlnet.mid').toBeLessThanOrEqual(bound);
}

describe('ControlNet parity with diffusers (vectors.safetensors controlnet.*)', () => {
  const fromFolder = loadControlNet(fixturePath(TINY_CONTROLNET)).then(residualsOf);

  it('matches the residuals from the diffusers folder', async () => {
    await expectFixtureResiduals(await fromFolder);
  });

  it('matches controlnet.unet_out with those residuals added to the UNet', async () => {
    const input = await fixtureInput();
    const unet = await UnetSession.open({
      model: await loadUnet(fixturePath('tiny-sd')),
      graphs: UnetGraphCache.create(),
      sessions,
      graph: { controlResiduals: true },
    });
    try {
      const { noisePred } = await unet.run({ ...input, controlResiduals: await fromFolder });
      const { maxDiff, bound } = parityError(noisePred, await readFloatVector('controlnet.unet_out'));
      expect(maxDiff).toBeLessThanOrEqual(bound);
    } finally {
      unet.release();
    }
  });

  it.each([
    ['control_model.', 'the whole-ControlLDM prefix'],
    ['', 'no prefix (the ControlNet alone)'],
  ])('gives the same numbers from a single cldm file with prefix %j (%s)', async (prefix) => {
    const file = await writeCldmCopy(root, {
      prefix,
      dtype: 'F32',
      name: `cldm-${prefix.length}`,
    });
    const model = await loadControlNet(file);
    expect(model.keys).toEqual({ kind: 'cldm', prefix });
    const single = await residualsOf(model);
    await expectFixtureResiduals(single);
    const folder = await fromFolder;
    expect(Array.from(single.mid.data)).toEqual(Array.from(folder.mid.data));
    for (const [i, d] of single.down.entries()) {
      expect(Array.from(d.data)).toEqual(Array.from(folder.down[i]!.data));
    }
  });

  it('reads an fp16 cldm file (the fixture weights are fp16-exact, so the same numbers)', async () => {
    const file = await writeCldmCopy(root, { prefix: 'control_model.', dtype: 'F16' });
    const reader = await openSafetensors(file);
    const dtypes = new Set(reader.keys().map((k) => reader.info(k)?.dtype));
    await reader.close();
    expect([...dtypes]).toEqual(['F16']);
    await expectFixtureResiduals(await residualsOf(await loadControlNet(file)));
  });
});
