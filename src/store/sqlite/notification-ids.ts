// Per-user notification ids on SQLite, kept in memory. SQLite runs one writer at a time and this process is
// the only one, so a user's next id is the last one given plus one: a plain INSERT, where reading the
// highest stored id inside the INSERT doubled its cost (bench: 10.5 µs against 4.6 µs a row).
//
// Unlike the read cache, these values follow the open transaction: a later job of the same batch must
// take the next id. So a job that rolls back forgets the users it touched, a failed batch forgets every
// user it touched, and a forgotten user's last id is read again from the table (the primary key's end).
export class NotificationIds {
  readonly #last = new Map<string, number>();
  readonly #limit: number;
  readonly #readLast: (userId: string) => number;
  #touched: string[] = [];

  constructor(readLast: (userId: string) => number, limit = 4096) {
    this.#readLast = readLast;
    this.#limit = limit;
  }

  next(userId: string): number {
    const last = this.#last.get(userId) ?? this.#readLast(userId);
    this.#last.delete(userId);
    this.#last.set(userId, last + 1);
    if (this.#last.size > this.#limit) this.#last.delete(this.#last.keys().next().value!);
    this.#touched.push(userId);
    return last + 1;
  }

  /** The row for `userId`'s last id was not stored after all: read the last id again next time. */
  forget(userId: string) {
    this.#last.delete(userId);
  }

  /** Where a job begins. */
  mark(): number {
    return this.#touched.length;
  }
  /** The job since `mark` rolled back: what it took is read again from the table. */
  forgetSince(mark: number) {
    for (const userId of this.#touched.slice(mark)) this.#last.delete(userId);
    this.#touched.length = mark;
  }
  /** The batch committed. */
  settle() {
    this.#touched = [];
  }
}
