/**
 * @module
 * A tiny pickle assembler: each method appends one opcode. The torch writer spells state dicts with
 * it, and tests spell out exactly the bytes they feed the unpickler (hostile payloads included).
 */

/** Appends opcodes; `bytes()` returns the pickle. */
export class PickleWriter {
  readonly #out: number[] = [];

  raw(...bytes: number[]): this {
    this.#out.push(...bytes);
    return this;
  }

  #u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }

  #text(s: string): number[] {
    return [...new TextEncoder().encode(s)];
  }

  proto(n = 2): this {
    return this.raw(0x80, n);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(b: boolean): this {
    return this.raw(b ? 0x88 : 0x89);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  binput(i: number): this {
    return i < 256 ? this.raw(0x71, i) : this.raw(0x72, ...this.#u32(i));
  }
  binget(i: number): this {
    return i < 256 ? this.raw(0x68, i) : this.raw(0x6a, ...this.#u32(i));
  }

  /** The smallest integer opcode, as CPython's pickler chooses it. */
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >>> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.raw(0x4a, ...this.#u32(n));
    let v = BigInt(n);
    const bytes: number[] = [];
    while (v !== 0n && v !== -1n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    if ((bytes[bytes.length - 1]! & 0x80) !== (n < 0 ? 0x80 : 0)) bytes.push(n < 0 ? 0xff : 0);
    return this.raw(0x8a, bytes.length, ...bytes);
  }

  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.raw(0x47, ...b);
  }

  str(s: string): this {
    const b = this.#text(s);
    return this.raw(0x58, ...this.#u32(b.length), ...b);
  }

  /** GLOBAL 'module\nname\n' (what torch and every protocol-2 exploit use). */
  global(module: string, name: string): this {
    return this.raw(0x63, ...this.#text(`${module}\n${name}\n`));
  }

  /** Protocol-4 STACK_GLOBAL with the two names pushed as strings. */
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).raw(0x93);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#out);
  }
}
