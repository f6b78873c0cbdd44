// Small concurrency primitives for the restore: a FIFO semaphore (requests in flight), a byte
// budget, a latch that counts tasks until they have all settled, a promise resolved from outside,
// and the two ways work stops.

export class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * A budget of bytes held at once, taken in FIFO order. A request larger than the whole budget is
 * let through when nothing else is held, so every request is served eventually.
 */
export class ByteBudget {
  private used = 0;
  private waiting: { bytes: number; go: () => void }[] = [];
  constructor(private readonly limit: number) {}

  acquire(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ bytes, go }));
  }

  release(bytes: number): void {
    this.used -= bytes;
    while (this.waiting.length && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.go();
    }
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }
}

/** Counts tasks; idle() resolves once every task added so far has settled (either way). */
export class Latch {
  private count = 0;
  private waiters: (() => void)[] = [];

  add(task: Promise<unknown>): void {
    this.count++;
    const done = () => {
      if (--this.count === 0) for (const w of this.waiters.splice(0)) w();
    };
    task.then(done, done);
  }

  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export class Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Observed by whoever awaits it, if anyone; never an "unhandled rejection" on its own.
    this.promise.catch(() => undefined);
  }
}

/** Stops pending work after the first failure; never reported itself. */
export class Cancelled extends Error {}

/** Ctrl-C (an aborted AbortSignal). */
export class Interrupted extends Error {
  constructor() {
    super("interrupted");
  }
}
