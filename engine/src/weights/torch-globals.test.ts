import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors/engine-error';
import { openWeights } from './open-weights';
import { PickleWriter } from './pickle-writer';
import { bytesOf, useTempFiles } from './test-utils/temp-files';
import { buildTorchFile } from './test-utils/torch-file-builder';
import { openTorchFile, readTorchPickle } from './torch-reader';
import { writeTensor } from './torch-writer';

const tmp = useTempFiles('torch-evil');
const torchFile = (bytes: Uint8Array): Promise<string> => tmp.file(bytes);

describe('malicious pickles', () => {
  const marker = (): string => tmp.path('.pwned');
  const payloads: Record<string, (m: string) => PickleWriter> = {
    'os.system': (m) => new PickleWriter().global('os', 'system').str(`touch ${m}`).raw(0x85).reduce(),
    'posix.system': (m) => new PickleWriter().global('posix', 'system').str(`touch ${m}`).raw(0x85).reduce(),
    'builtins.eval': (m) =>
      new PickleWriter()
        .global('builtins', 'eval')
        .str(`open(${JSON.stringify(m)}, 'w')`)
        .raw(0x85)
        .reduce(),
    'subprocess.Popen': (m) =>
      new PickleWriter()
        .global('subprocess', 'Popen')
        .emptyList()
        .str('touch')
        .append()
        .str(m)
        .append()
        .raw(0x85)
        .reduce(),
  };

  describe.each(Object.keys(payloads))('%s', (global) => {
    it('as the whole data.pkl of a valid archive: refused, naming the file and the global, nothing runs', async () => {
      const m = marker();
      // Each payload was checked once against CPython's pickle.loads: it does create the marker file.
      const pickle = new PickleWriter()
        .proto(2)
        .raw(...payloads[global]!(m).bytes())
        .stop()
        .bytes();
      const path = await torchFile(buildTorchFile({ pickle }));
      for (const open of [openTorchFile, readTorchPickle, openWeights]) {
        const err = await open(path).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(EngineError);
        expect(err).toMatchObject({ code: 'pickle_forbidden_global' });
        expect((err as EngineError).message).toContain(`'${global}'`);
        expect((err as EngineError).message).toContain(path);
      }
      expect(existsSync(m)).toBe(false);
    });

    it('hidden as one value of a state dict next to real tensors: refused', async () => {
      const m = marker();
      const w = new PickleWriter().proto(2).emptyDict().mark();
      w.str('ok');
      writeTensor(w, { storageType: 'FloatStorage', key: '0', numel: 1, offset: 0, shape: [1], stride: [1] });
      w.str('evil')
        .raw(...payloads[global]!(m).bytes())
        .setitems()
        .stop();
      const path = await torchFile(
        buildTorchFile({ pickle: w.bytes(), storages: { '0': bytesOf(Float32Array.from([1])) } }),
      );
      await expect(openTorchFile(path)).rejects.toMatchObject({ code: 'pickle_forbidden_global' });
      expect(existsSync(m)).toBe(false);
    });
  });
});
