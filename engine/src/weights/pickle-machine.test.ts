import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors/engine-error';
import { engineErrorOf } from '../testing/engine-error-of';
import type { PickleHooks } from './pickle-machine';
import { type PickleTuple, unpickle } from './pickle-machine';
import { PickleWriter } from './pickle-writer';
import { createTorchPickleHooks, TorchTensorRef } from './torch-globals';
import { torchStatePickle } from './torch-writer';

const SOURCE = 'evil.pt (archive/data.pkl)';
const hooks = (): PickleHooks => createTorchPickleHooks(SOURCE);
const run = (w: PickleWriter): unknown => unpickle(w.bytes(), SOURCE, hooks());

describe(unpickle.name, () => {
  it('decodes protocol-2 containers, numbers, strings and memo references', () => {
    const w = new PickleWriter().proto(2).emptyDict().binput(0).mark();
    w.str('ints')
      .mark()
      .int(5)
      .int(300)
      .int(-7)
      .int(70000)
      .int(2 ** 40)
      .int(-(2 ** 40))
      .tuple();
    w.str('list').emptyList().binput(1).mark().bool(true).bool(false).none().float(0.25).appends();
    w.str('same').binget(1);
    w.setitems().stop();
    const out = run(w);
    expect(out).toBeInstanceOf(Map);
    const m = out as Map<string, unknown>;
    expect((m.get('ints') as PickleTuple).items).toEqual([5, 300, -7, 70000, 2 ** 40, -(2 ** 40)]);
    expect(m.get('list')).toEqual([true, false, null, 0.25]);
    expect(m.get('same')).toBe(m.get('list'));
  });

  it('decodes protocol-4 framing, short strings, MEMOIZE and STACK_GLOBAL', () => {
    const w = new PickleWriter().proto(4).raw(0x95, 20, 0, 0, 0, 0, 0, 0, 0);
    w.stackGlobal('collections', 'OrderedDict').raw(0x94).emptyTuple().reduce();
    w.raw(0x8c, 1, 0x6b).raw(0x94); // SHORT_BINUNICODE 'k', MEMOIZE
    w.raw(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1); // LONG1 2^64
    w.setitem().raw(0x68, 1).raw(0x30).stop(); // BINGET 1 (memoised 'k'), POP
    const out = run(w) as Map<string, unknown>;
    expect(out.get('k')).toBe(2n ** 64n);
  });

  it('decodes a torch state-dict pickle into tensor references without reading any data', () => {
    const pkl = torchStatePickle({
      w: {
        storageType: 'HalfStorage',
        key: '0',
        numel: 6,
        offset: 0,
        shape: [2, 3],
        stride: [3, 1],
        parameter: true,
      },
    });
    const root = unpickle(pkl, SOURCE, hooks()) as Map<string, unknown>;
    const w = root.get('w');
    expect(w).toBeInstanceOf(TorchTensorRef);
    expect(w).toMatchObject({
      offset: 0,
      shape: [2, 3],
      stride: [3, 1],
      storage: { key: '0', dtype: 'F16', numel: 6 },
    });
  });

  describe('refuses globals outside the whitelist, naming them, before anything else happens', () => {
    const evil = [
      ['os', 'system'],
      ['posix', 'system'],
      ['nt', 'system'],
      ['builtins', 'eval'],
      ['builtins', 'exec'],
      ['builtins', 'getattr'],
      ['builtins', 'set'],
      ['__builtin__', 'eval'],
      ['subprocess', 'Popen'],
      ['torch', 'load'],
      ['torch._utils', '_rebuild_device_tensor_from_numpy'],
      ['collections', 'OrderedDict.__init__'],
      ['torch', 'FloatStorage\x00'],
    ] as const;

    it.each(evil)('GLOBAL %s.%s', (module, name) => {
      let persisted = false;
      const spy: PickleHooks = { ...hooks(), persistentLoad: () => (persisted = true) };
      const w = new PickleWriter()
        .proto(2)
        .global(module, name)
        .str('touch /tmp/pwned')
        .raw(0x85)
        .reduce()
        .stop();
      const err = engineErrorOf(() => unpickle(w.bytes(), SOURCE, spy));
      expect(err.code).toBe('pickle_forbidden_global');
      expect(err.message).toContain(`'${module}.${name}'`);
      expect(err.message).toContain(SOURCE);
      expect(err.details).toMatchObject({ global: `${module}.${name}` });
      expect(persisted).toBe(false);
    });

    it.each(evil)('STACK_GLOBAL %s.%s', (module, name) => {
      const w = new PickleWriter().proto(4).stackGlobal(module, name).emptyTuple().reduce().stop();
      expect(engineErrorOf(() => run(w)).code).toBe('pickle_forbidden_global');
    });

    it('INST os.system names the global', () => {
      const w = new PickleWriter()
        .mark()
        .str('id')
        .raw(0x69, ...new TextEncoder().encode('os\nsystem\n'))
        .stop();
      expect(engineErrorOf(() => run(w))).toMatchObject({
        code: 'pickle_forbidden_global',
        message: expect.stringContaining("'os.system'"),
      });
    });

    it('a forbidden global deep inside an otherwise valid state dict', () => {
      const pkl = torchStatePickle({
        a: { storageType: 'FloatStorage', key: '0', numel: 1, offset: 0, shape: [1], stride: [1] },
      });
      // Replace the trailing STOP by an extra SETITEM whose value is a REDUCE of builtins.eval.
      const w = new PickleWriter().raw(...pkl.subarray(0, pkl.length - 1));
      w.str('b').global('builtins', 'eval').str('1+1').raw(0x85).reduce().setitem().stop();
      expect(engineErrorOf(() => run(w)).code).toBe('pickle_forbidden_global');
    });
  });

  it.each([
    ['NEWOBJ', [0x81]],
    ['OBJ', [0x28, 0x6f]],
    ['NEWOBJ_EX', [0x92]],
    ['EXT1', [0x82, 1]],
    ['EMPTY_SET', [0x8f]],
    ['FROZENSET', [0x28, 0x91]],
    ['NEXT_BUFFER', [0x97]],
    ['STRING', [0x53]],
    ['an unknown opcode', [0xff]],
    ['protocol 6', [0x80, 6]],
  ])('refuses %s', (_name, ops) => {
    const w = new PickleWriter().raw(...ops).stop();
    expect(engineErrorOf(() => run(w)).code).toBe('pickle_unsupported_opcode');
  });

  it('refuses INST even for a whitelisted class', () => {
    const w = new PickleWriter()
      .mark()
      .raw(0x69, ...new TextEncoder().encode('collections\nOrderedDict\n'))
      .stop();
    expect(engineErrorOf(() => run(w)).code).toBe('pickle_unsupported_opcode');
  });

  it.each([
    ['stack underflow', new PickleWriter().proto(2).raw(0x30).stop(), 'pickle_malformed'],
    ['STOP with two values', new PickleWriter().none().none().stop(), 'pickle_malformed'],
    ['missing STOP', new PickleWriter().proto(2).none(), 'pickle_truncated'],
    ['truncated string', new PickleWriter().raw(0x58, 10, 0, 0, 0, 0x41), 'pickle_truncated'],
    ['huge declared length', new PickleWriter().raw(0x58, 0xff, 0xff, 0xff, 0xff), 'pickle_truncated'],
    ['undefined memo', new PickleWriter().binget(3).stop(), 'pickle_malformed'],
    ['SETITEM on a list', new PickleWriter().emptyList().none().none().setitem().stop(), 'pickle_malformed'],
    ['APPEND on a tuple', new PickleWriter().emptyTuple().none().append().stop(), 'pickle_malformed'],
    [
      'unhashable dict key',
      new PickleWriter().emptyDict().emptyList().none().setitem().stop(),
      'pickle_malformed',
    ],
    [
      'REDUCE of a storage class',
      new PickleWriter().global('torch', 'FloatStorage').emptyTuple().reduce().stop(),
      'pickle_malformed',
    ],
    [
      'REDUCE with non-tuple args',
      new PickleWriter().global('collections', 'OrderedDict').none().reduce().stop(),
      'pickle_malformed',
    ],
    [
      'tensor from ints',
      new PickleWriter()
        .global('torch._utils', '_rebuild_tensor_v2')
        .mark()
        .int(1)
        .int(2)
        .tuple()
        .reduce()
        .stop(),
      'pickle_malformed',
    ],
    ['BUILD on a list', new PickleWriter().emptyList().emptyDict().build().stop(), 'pickle_malformed'],
    ['persistent id of a string', new PickleWriter().str('x').binpersid().stop(), 'pickle_malformed'],
    [
      'a 100-byte integer',
      new PickleWriter().raw(0x8a, 100, ...new Array<number>(100).fill(1)).stop(),
      'pickle_malformed',
    ],
    ['MARK missing', new PickleWriter().tuple().stop(), 'pickle_malformed'],
  ])('reports %s', (_name, w, code) => {
    expect(engineErrorOf(() => run(w)).code).toBe(code);
  });

  it('refuses a tensor view that reaches past its storage', () => {
    const w = new PickleWriter().global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark().str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(4).tuple().binpersid();
    w.int(2)
      .mark()
      .int(2)
      .int(2)
      .tuple()
      .mark()
      .int(2)
      .int(1)
      .tuple()
      .bool(false)
      .emptyDict()
      .tuple()
      .reduce()
      .stop();
    expect(engineErrorOf(() => run(w))).toMatchObject({
      code: 'pickle_malformed',
      message: expect.stringContaining('runs past its storage'),
    });
  });

  it('handles an APPENDS of 300k items without a RangeError', () => {
    const w = new PickleWriter().emptyList().mark();
    for (let i = 0; i < 300_000; i++) w.none();
    expect((run(w.appends().stop()) as unknown[]).length).toBe(300_000);
  });

  describe('fuzzing', () => {
    const valid = torchStatePickle({
      a: { storageType: 'FloatStorage', key: '0', numel: 8, offset: 2, shape: [2, 3], stride: [1, 2] },
      nested: {
        b: {
          storageType: 'LongStorage',
          key: '1',
          numel: 2,
          offset: 0,
          shape: [2],
          stride: [1],
          parameter: true,
        },
      },
    });

    /** Decodes or throws an EngineError; any other exception fails the property. */
    const decodesOrEngineError = (bytes: Uint8Array): boolean => {
      try {
        unpickle(bytes, SOURCE, hooks());
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
      }
      return true;
    };

    it('mutated torch pickles give a value or an EngineError', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 6,
          }),
          fc.nat(valid.length),
          (edits, keep) => {
            const bytes = valid.slice(0, keep);
            for (const [at, b] of edits) if (at < bytes.length) bytes[at] = b;
            return decodesOrEngineError(bytes);
          },
        ),
        { numRuns: 3000 },
      );
    });

    it('random opcode soup gives a value or an EngineError', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesOrEngineError), { numRuns: 3000 });
    });
  });
});
