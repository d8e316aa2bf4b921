// The Reader's byte buffer. Received chunks are adopted without a copy when the
// buffer is empty (the common case: one chunk holds whole replies); otherwise
// they are appended to one reusable, growable buffer, compacted in place. Bytes
// are never re-concatenated per read, and lines are found with memchr
// (Buffer#indexOf) on a view that ends at the last received byte.

const EMPTY = Buffer.alloc(0);
const MIN_CAPACITY = 16 * 1024;

export class ReadBuffer {
  /** View of the backing store up to the last received byte: read from `start`. */
  data: Buffer = EMPTY;
  /** Offset of the first unread byte in `data`. */
  start = 0;
  /** Bytes consumed or dropped since the start: tells whether a read made progress. */
  taken = 0;
  /** Backing store we own and may write into (null while `data` is a borrowed chunk). */
  private owned: Buffer | null = null;
  /** A previously owned store kept for reuse after we switched to a borrowed chunk. */
  private spare: Buffer | null = null;

  get length(): number {
    return this.data.length - this.start;
  }

  append(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const unread = this.length;
    if (unread === 0) {
      // Zero-copy: read straight out of the received chunk.
      if (this.owned !== null) this.spare = this.owned;
      this.owned = null;
      this.data = chunk;
      this.start = 0;
      return;
    }
    const end = this.data.length;
    if (this.owned !== null && this.owned.length - end >= n) {
      chunk.copy(this.owned, end);
      this.data = this.owned.subarray(0, end + n);
      return;
    }
    const need = unread + n;
    let store = this.owned ?? this.spare;
    if (store === null || store.length < need) {
      store = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, need * 2));
    }
    // Compact (or move) the unread bytes to the front, then append.
    if (store === this.owned) store.copyWithin(0, this.start, end);
    else this.data.copy(store, 0, this.start, end);
    chunk.copy(store, unread);
    this.owned = store;
    this.spare = null;
    this.data = store.subarray(0, need);
    this.start = 0;
  }

  /** Marks `n` bytes as read. */
  consume(n: number): void {
    this.taken += n;
    this.start += n;
    if (this.start >= this.data.length) this.clear();
  }

  /** Drops everything unread (and the reference to a borrowed chunk). */
  clear(): void {
    this.taken += this.length;
    if (this.owned === null) {
      this.data = EMPTY;
    } else {
      this.data = this.owned.subarray(0, 0);
    }
    this.start = 0;
  }

  /** A copy of bytes [from, to) of `data`, safe to keep after later appends. */
  copy(from: number, to: number): Buffer {
    return Buffer.from(this.data.subarray(from, to));
  }
}
