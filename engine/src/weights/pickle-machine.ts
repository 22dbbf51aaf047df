/**
 * @module
 * A restricted pickle virtual machine (opcodes of protocols 0-5 as CPython's `pickletools` documents
 * them). It never imports or calls anything by itself: GLOBAL / STACK_GLOBAL ask `hooks.resolveGlobal`,
 * which refuses any name outside its whitelist before the next opcode is even read, and REDUCE can only
 * call functions that the whitelist attached to those globals. Opcodes that instantiate classes (INST,
 * OBJ, NEWOBJ, NEWOBJ_EX), extension registries (EXT*), sets, and out-of-band buffers are refused.
 * Containers decode to plain values: lists to arrays, tuples to `PickleTuple`, dicts to `Map`.
 * Over 300 lines because it is one switch over the opcode set, kept whole so the set can be audited at once.
 */
import { EngineError } from '../errors/engine-error';
import { PickleCursor } from './pickle-cursor';

/** An immutable Python tuple (kept apart from lists so APPEND on a tuple is caught as malformed). */
export class PickleTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A whitelisted global. `invoke` exists only on the few functions REDUCE may apply. */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  invoke?(args: readonly unknown[]): unknown;
}

/** What the machine delegates: every decision that could reach outside the pickle. */
export interface PickleHooks {
  /** Returns the whitelisted global or throws (the machine adds nothing of its own). */
  resolveGlobal(module: string, name: string): PickleGlobal;
  /** Resolves BINPERSID / PERSID ids (torch storages). */
  persistentLoad(pid: unknown): unknown;
  /** Applies BUILD state to an object produced by REDUCE. */
  build(obj: unknown, state: unknown): void;
}

/** Integer size limits: far above any shape, stride or offset, far below what could stall decoding. */
const MAX_INT_BYTES = 64;
const MAX_INT_DIGITS = 160;

/** Opcodes refused outright, with the reason given to the user. */
const REFUSED: Readonly<Record<number, string>> = {
  129: 'NEWOBJ (class instantiation)',
  146: 'NEWOBJ_EX (class instantiation)',
  111: 'OBJ (class instantiation)',
  130: 'EXT1 (extension registry)',
  131: 'EXT2 (extension registry)',
  132: 'EXT4 (extension registry)',
  143: 'EMPTY_SET (sets are not allowed)',
  144: 'ADDITEMS (sets are not allowed)',
  145: 'FROZENSET (sets are not allowed)',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER (out-of-band buffers)',
  152: 'READONLY_BUFFER (out-of-band buffers)',
  83: 'STRING (protocol-0 quoted string)',
  86: 'UNICODE (protocol-0 escaped string)',
};

/** A dict key must be hashable in Python; among our decoded values that means a primitive. */
function isKey(v: unknown): boolean {
  return v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v);
}

class PickleMachine {
  readonly #in: PickleCursor;
  readonly #hooks: PickleHooks;
  #stack: unknown[] = [];
  readonly #marks: unknown[][] = [];
  readonly #memo = new Map<number, unknown>();

  constructor(bytes: Uint8Array, source: string, hooks: PickleHooks) {
    this.#in = new PickleCursor(bytes, source);
    this.#hooks = hooks;
  }

  #fail(problem: string, code = 'pickle_malformed'): never {
    throw new EngineError(code, `${this.#in.source}: ${problem} (pickle byte ${this.#in.position})`, {
      source: this.#in.source,
    });
  }

  #pop(): unknown {
    if (this.#stack.length === 0) this.#fail('stack underflow');
    return this.#stack.pop();
  }

  #top(): unknown {
    if (this.#stack.length === 0) this.#fail('stack underflow');
    return this.#stack[this.#stack.length - 1];
  }

  /** Items pushed since the last MARK, restoring the stack below it. */
  #popMark(): unknown[] {
    const below = this.#marks.pop();
    if (!below) this.#fail('MARK expected');
    const items = this.#stack;
    this.#stack = below;
    return items;
  }

  #list(v: unknown): unknown[] {
    if (!Array.isArray(v)) this.#fail('APPEND target is not a list');
    return v;
  }

  #setItems(dict: unknown, kv: readonly unknown[]): void {
    if (!(dict instanceof Map)) this.#fail('SETITEM target is not a dict');
    if (kv.length % 2 !== 0) this.#fail('SETITEMS needs key/value pairs');
    for (let i = 0; i < kv.length; i += 2) {
      if (!isKey(kv[i])) this.#fail('dict key is not a string or number');
      dict.set(kv[i], kv[i + 1]);
    }
  }

  #get(i: number): void {
    if (!this.#memo.has(i)) this.#fail(`memo key ${i} is not defined`);
    this.#stack.push(this.#memo.get(i));
  }

  #global(module: string, name: string): void {
    this.#stack.push(this.#hooks.resolveGlobal(module, name));
  }

  #int(text: string): number | bigint {
    const t = text.endsWith('L') ? text.slice(0, -1) : text;
    if (t.length > MAX_INT_DIGITS) this.#fail(`integer literal of ${t.length} digits is too long`);
    if (!/^[+-]?\d+$/.test(t)) this.#fail(`bad integer literal '${text}'`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  run(): unknown {
    const r = this.#in;
    for (;;) {
      const op = r.u8();
      const refused = REFUSED[op];
      if (refused) this.#fail(`refused pickle opcode ${refused}`, 'pickle_unsupported_opcode');
      switch (op) {
        case 0x80: // PROTO
          if (r.u8() > 5) this.#fail('pickle protocol above 5', 'pickle_unsupported_opcode');
          break;
        case 0x95: // FRAME: framing is only an I/O hint
          r.u64();
          break;
        case 0x2e: // STOP
          if (this.#stack.length !== 1 || this.#marks.length !== 0)
            this.#fail('STOP with an unbalanced stack');
          return this.#stack[0];
        case 0x28: // MARK
          this.#marks.push(this.#stack);
          this.#stack = [];
          break;
        case 0x30: // POP
          this.#pop();
          break;
        case 0x31: // POP_MARK
          this.#popMark();
          break;
        case 0x32: // DUP
          this.#stack.push(this.#top());
          break;
        case 0x4e: // NONE
          this.#stack.push(null);
          break;
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
          this.#stack.push(op === 0x88);
          break;
        case 0x49: {
          // INT: protocol 0 spells booleans as I01 / I00
          const t = r.line();
          this.#stack.push(t === '01' ? true : t === '00' ? false : this.#int(t));
          break;
        }
        case 0x4c: // LONG
          this.#stack.push(this.#int(r.line()));
          break;
        case 0x4a: // BININT
          this.#stack.push(r.i32());
          break;
        case 0x4b: // BININT1
          this.#stack.push(r.u8());
          break;
        case 0x4d: // BININT2
          this.#stack.push(r.u16());
          break;
        case 0x8a: // LONG1
        case 0x8b: {
          // LONG4
          const n = op === 0x8a ? r.u8() : r.u32();
          // Decoding is quadratic in the length; no tensor size or offset needs more than 8 bytes.
          if (n > MAX_INT_BYTES) this.#fail(`integer of ${n} bytes is too long`);
          this.#stack.push(r.signedLE(n));
          break;
        }
        case 0x46: {
          // FLOAT
          const t = r.line();
          const v = Number(t);
          if (t.trim() === '' || Number.isNaN(v)) this.#fail(`bad float literal '${t}'`);
          this.#stack.push(v);
          break;
        }
        case 0x47: // BINFLOAT
          this.#stack.push(r.f64be());
          break;
        case 0x58: // BINUNICODE
          this.#stack.push(r.utf8(r.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.#stack.push(r.utf8(r.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.#stack.push(r.utf8(r.u64()));
          break;
        case 0x54: // BINSTRING (Python 2 str, bytes read as latin-1 as Python 3's encoding='latin1' would)
          this.#stack.push(new TextDecoder('latin1').decode(r.bytes(r.i32())));
          break;
        case 0x55: // SHORT_BINSTRING
          this.#stack.push(new TextDecoder('latin1').decode(r.bytes(r.u8())));
          break;
        case 0x42: // BINBYTES
          this.#stack.push(r.bytes(r.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.#stack.push(r.bytes(r.u8()));
          break;
        case 0x8e: // BINBYTES8
          this.#stack.push(r.bytes(r.u64()));
          break;
        case 0x5d: // EMPTY_LIST
          this.#stack.push([]);
          break;
        case 0x6c: {
          // LIST (popMark swaps the stack, so pop before pushing)
          const items = this.#popMark();
          this.#stack.push(items);
          break;
        }
        case 0x61: {
          // APPEND
          const v = this.#pop();
          this.#list(this.#top()).push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.#popMark();
          const list = this.#list(this.#top());
          // A loop, not push(...items): spreading a huge argument list throws a RangeError.
          for (const x of items) list.push(x);
          break;
        }
        case 0x29: // EMPTY_TUPLE
          this.#stack.push(new PickleTuple([]));
          break;
        case 0x74: {
          // TUPLE
          const items = this.#popMark();
          this.#stack.push(new PickleTuple(items));
          break;
        }
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const n = op - 0x84;
          if (this.#stack.length < n) this.#fail('stack underflow');
          this.#stack.push(new PickleTuple(this.#stack.splice(this.#stack.length - n, n)));
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.#stack.push(new Map());
          break;
        case 0x64: {
          // DICT
          const kv = this.#popMark();
          const d = new Map<unknown, unknown>();
          this.#setItems(d, kv);
          this.#stack.push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.#pop();
          const k = this.#pop();
          this.#setItems(this.#top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const kv = this.#popMark();
          this.#setItems(this.#top(), kv);
          break;
        }
        case 0x67: // GET
          this.#get(Number(this.#int(r.line())));
          break;
        case 0x68: // BINGET
          this.#get(r.u8());
          break;
        case 0x6a: // LONG_BINGET
          this.#get(r.u32());
          break;
        case 0x70: // PUT
          this.#memo.set(Number(this.#int(r.line())), this.#top());
          break;
        case 0x71: // BINPUT
          this.#memo.set(r.u8(), this.#top());
          break;
        case 0x72: // LONG_BINPUT
          this.#memo.set(r.u32(), this.#top());
          break;
        case 0x94: // MEMOIZE
          this.#memo.set(this.#memo.size, this.#top());
          break;
        case 0x63: {
          // GLOBAL: "module\nname\n"
          const module = r.line();
          this.#global(module, r.line());
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.#pop();
          const module = this.#pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.#fail('STACK_GLOBAL needs two strings');
          this.#global(module, name);
          break;
        }
        case 0x69: {
          // INST: names a class to instantiate; the name is checked first so a refusal names it.
          const module = r.line();
          this.#hooks.resolveGlobal(module, r.line());
          this.#fail('refused pickle opcode INST (class instantiation)', 'pickle_unsupported_opcode');
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.#pop();
          const fn = this.#pop();
          if (!(args instanceof PickleTuple)) this.#fail('REDUCE arguments are not a tuple');
          if (typeof fn !== 'object' || fn === null || !('invoke' in fn) || typeof fn.invoke !== 'function') {
            this.#fail('REDUCE target is not a whitelisted function');
          }
          this.#stack.push((fn as Required<PickleGlobal>).invoke(args.items));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.#pop();
          this.#hooks.build(this.#top(), state);
          break;
        }
        case 0x51: // BINPERSID
          this.#stack.push(this.#hooks.persistentLoad(this.#pop()));
          break;
        case 0x50: // PERSID
          this.#stack.push(this.#hooks.persistentLoad(r.line()));
          break;
        default:
          this.#fail(
            `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`,
            'pickle_unsupported_opcode',
          );
      }
    }
  }
}

/**
 * Decodes a pickle with the given hooks. Throws `EngineError` with codes `pickle_forbidden_global`
 * (from the hooks), `pickle_unsupported_opcode`, `pickle_malformed` or `pickle_truncated`.
 * @example
 * const root = unpickle(bytes, 'model.pt/data.pkl', torchPickleHooks(...));
 */
export function unpickle(bytes: Uint8Array, source: string, hooks: PickleHooks): unknown {
  return new PickleMachine(bytes, source, hooks).run();
}
