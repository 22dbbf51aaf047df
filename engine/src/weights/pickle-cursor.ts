/**
 * @module
 * Bounds-checked reads over pickle bytes. Every length in a pickle comes from the (untrusted) file, so
 * each read is checked against the end of the data before anything is allocated.
 */
import { EngineError } from '../errors/engine-error';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LATIN1 = new TextDecoder('latin1');

/** A read position over pickle bytes; `source` names the file in error messages. */
export class PickleCursor {
  readonly source: string;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array, source: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.source = source;
  }

  /** Offset of the next byte, for error messages. */
  get position(): number {
    return this.#pos;
  }

  #need(n: number): number {
    if (n < 0 || this.#pos + n > this.#bytes.length) {
      throw new EngineError(
        'pickle_truncated',
        `${this.source}: pickle ends at byte ${this.#bytes.length} but ${n} more bytes are needed at byte ${this.#pos}`,
        { source: this.source },
      );
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  u8(): number {
    return this.#view.getUint8(this.#need(1));
  }

  u16(): number {
    return this.#view.getUint16(this.#need(2), true);
  }

  u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }

  i32(): number {
    return this.#view.getInt32(this.#need(4), true);
  }

  /** A u64 length; anything beyond the remaining bytes fails in the read that uses it. */
  u64(): number {
    const v = this.#view.getBigUint64(this.#need(8), true);
    return v > BigInt(this.#bytes.length) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  /** Big-endian IEEE double (the BINFLOAT layout). */
  f64be(): number {
    return this.#view.getFloat64(this.#need(8), false);
  }

  bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#bytes.slice(at, at + n);
  }

  utf8(n: number): string {
    const at = this.#need(n);
    try {
      return UTF8.decode(this.#bytes.subarray(at, at + n));
    } catch {
      throw new EngineError('pickle_malformed', `${this.source}: invalid UTF-8 string at byte ${at}`, {
        source: this.source,
      });
    }
  }

  /** Little-endian two's-complement integer of `n` bytes (LONG1 / LONG4); a number when it is safe. */
  signedLE(n: number): number | bigint {
    const at = this.#need(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.#bytes[at + i]!);
    if ((this.#bytes[at + n - 1]! & 0x80) !== 0) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** A protocol-0 text argument: bytes up to the next newline (exclusive), read as latin-1. */
  line(): string {
    const nl = this.#bytes.indexOf(0x0a, this.#pos);
    if (nl < 0) this.#need(this.#bytes.length - this.#pos + 1);
    const at = this.#need(nl - this.#pos + 1);
    return LATIN1.decode(this.#bytes.subarray(at, nl));
  }
}
