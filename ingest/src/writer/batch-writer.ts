export interface FlushInfo {
  rows: number;
  durationMs: number;
  attempts: number;
  /** Rows the engine refused for themselves, isolated by splitting the insert. */
  rejected: number;
}

export interface BatchWriterOptions<Row> {
  /** Writes one batch durably; resolves only once the rows are stored. */
  insert: (rows: Row[]) => Promise<void>;
  maxRows: number;
  maxBytes: number;
  maxWaitMs: number;
  /** Attempts per batch before its writers are told it failed; transient storage errors are retried. */
  maxAttempts?: number;
  retryBaseMs?: number;
  sizeOf?: (row: Row) => number;
  /**
   * True for errors that blame the rows themselves: retrying only repeats them, so the insert is
   * split until the refused rows are alone; those are reported to their callers, the rest stored.
   * False (the default) for the dependency's errors, which are retried.
   */
  blamesRows?: (error: unknown) => boolean;
  /** The 1-based row of an insert a row error names, if it names one: tried alone first. */
  blamedRow?: (error: unknown) => number | undefined;
  onFlush?: (info: FlushInfo) => void;
  onError?: (error: unknown, attempt: number) => void;
}

/** A row of one write() the engine refused, by its index in that write's rows. */
export interface RowRejection {
  index: number;
  error: unknown;
}

/** How one write() ended: its rows are stored except the rejected ones. */
export interface WriteOutcome {
  rejected: RowRejection[];
}

interface Waiter {
  /** Where this caller's rows start in the batch, and how many there are. */
  offset: number;
  count: number;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

interface Batch<Row> {
  rows: Row[];
  bytes: number;
  waiters: Waiter[];
  /** performance.now() when its first row arrived: the backlog's age is its oldest batch's. */
  since: number;
}

/** Only inserts this large say what the engine can store per ms; small ones are mostly overhead. */
const MIN_RATE_SAMPLE_ROWS = 1000;

export class WriterClosedError extends Error {
  override name = "WriterClosedError";
}

/**
 * Collects rows from many callers into bounded inserts. A caller's promise settles only after
 * the insert holding its rows succeeded (or finally failed), so nobody acknowledges unstored data.
 * One insert runs at a time: ClickHouse prefers fewer, larger inserts, and chDB is one engine.
 * Group commit: while an insert runs, arriving rows keep filling the next batch instead of being
 * cut into small ones by the wait timer, so under load batches grow with the insert time, which
 * makes each row cheaper to store (a 5,000-row insert costs ~40% more per row than a 20,000-row one).
 */
export class BatchWriter<Row> {
  /** Batches that reached maxRows or maxBytes, waiting for the writer in arrival order. */
  private readonly sealed: Batch<Row>[] = [];
  private sealedRows = 0;
  private current: Batch<Row> = emptyBatch();
  /** The current batch has waited maxWaitMs (or a flush asked): it goes as soon as the writer is free. */
  private currentDue = false;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private lastInsert: Promise<void> = Promise.resolve();
  private inFlight: Batch<Row> | undefined;
  /** Rows the engine stores per ms, from recent large inserts; 0 until one was measured. */
  private rowsPerMs = 0;
  /** performance.now() when the running insert started; 0 when none runs. */
  private insertStarted = 0;
  private closed = false;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly sizeOf: (row: Row) => number;
  private readonly blamesRows: (error: unknown) => boolean;

  constructor(private readonly options: BatchWriterOptions<Row>) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.sizeOf = options.sizeOf ?? ((row) => JSON.stringify(row).length);
    this.blamesRows = options.blamesRows ?? (() => false);
  }

  /** Rows accepted but not yet stored: buffered plus being inserted. */
  get pendingRows(): number {
    return this.current.rows.length + this.sealedRows + (this.inFlight?.rows.length ?? 0);
  }

  /**
   * How long a row handed over now would wait, as the larger of what the backlog shows: the age
   * of its oldest row (the insert is slow or retrying) and the pending rows at the recent insert
   * rate (rows arrive faster than they are stored). A row count alone cannot say it: 200,000
   * rows are 3 s at full speed and minutes on a struggling disk.
   */
  backlogWaitMs(now = performance.now()): number {
    const oldest = this.inFlight ?? this.sealed[0] ?? (this.current.rows.length > 0 ? this.current : undefined);
    const age = oldest ? now - oldest.since : 0;
    // The running insert bounds the rate from above before it ends (rows / time so far): a first
    // insert, or one slower than the recent ones, is seen at once rather than after it finished.
    const running = this.inFlight && this.insertStarted > 0 ? this.inFlight.rows.length / Math.max(now - this.insertStarted, 1) : Number.POSITIVE_INFINITY;
    const rate = Math.min(this.rowsPerMs > 0 ? this.rowsPerMs : Number.POSITIVE_INFINITY, running);
    return Math.max(age, this.pendingRows / rate);
  }

  /**
   * Resolves once the rows are stored, except those the engine refused for themselves (listed by
   * index, their neighbours stored); rejects if storage kept failing: then nothing may be acknowledged.
   */
  write(rows: Row[]): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(new WriterClosedError("writer is closed"));
    if (rows.length === 0) return Promise.resolve({ rejected: [] });
    const batch = this.current;
    if (batch.rows.length === 0) batch.since = performance.now();
    const offset = batch.rows.length;
    const done = new Promise<WriteOutcome>((resolve, reject) => batch.waiters.push({ offset, count: rows.length, resolve, reject }));
    for (const row of rows) {
      batch.rows.push(row);
      batch.bytes += this.sizeOf(row);
    }
    if (batch.rows.length >= this.options.maxRows || batch.bytes >= this.options.maxBytes) {
      const full = this.takeCurrent();
      this.sealed.push(full);
      this.sealedRows += full.rows.length;
      this.drain();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.currentDue = true;
        this.drain();
      }, this.options.maxWaitMs);
    }
    return done;
  }

  /** Sends what is buffered now and resolves when everything handed over so far is stored (or failed). */
  flush(): Promise<void> {
    const last = this.current.rows.length > 0 ? this.current : this.sealed.at(-1);
    if (!last) return this.lastInsert;
    const settled = new Promise<void>((resolve) => last.waiters.push({ offset: 0, count: 0, resolve: () => resolve(), reject: () => resolve() }));
    if (last === this.current) this.currentDue = true;
    this.drain();
    return settled;
  }

  /** Refuses new rows, then stores everything already accepted. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Runs inserts back to back while there is a sealed or due batch; a no-op if already running. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    void (async () => {
      for (;;) {
        let batch = this.sealed.shift();
        if (batch) this.sealedRows -= batch.rows.length;
        else if (this.currentDue && this.current.rows.length > 0) batch = this.takeCurrent();
        if (!batch) break;
        this.inFlight = batch;
        this.lastInsert = this.insertBatch(batch);
        await this.lastInsert;
      }
      this.draining = false;
    })();
  }

  private takeCurrent(): Batch<Row> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.current;
    this.current = emptyBatch();
    this.currentDue = false;
    return batch;
  }

  private async insertBatch(batch: Batch<Row>): Promise<void> {
    const started = performance.now();
    this.insertStarted = started;
    const progress: Progress = { attempts: 0, rejected: new Map() };
    try {
      for (let offset = 0; offset < batch.rows.length; offset += this.options.maxRows) {
        await this.store(batch.rows.slice(offset, offset + this.options.maxRows), offset, progress, true);
      }
      const durationMs = performance.now() - started;
      if (progress.rejected.size === 0 && batch.rows.length >= Math.min(MIN_RATE_SAMPLE_ROWS, this.options.maxRows)) {
        const rate = batch.rows.length / Math.max(durationMs, 1);
        this.rowsPerMs = this.rowsPerMs === 0 ? rate : 0.7 * this.rowsPerMs + 0.3 * rate;
      }
      this.options.onFlush?.({ rows: batch.rows.length, durationMs, attempts: progress.attempts, rejected: progress.rejected.size });
      settle(batch.waiters, progress.rejected);
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    } finally {
      this.inFlight = undefined;
      this.insertStarted = 0;
    }
  }

  /**
   * Stores `rows` (at `base` in their batch). An insert refused for its rows is split and each
   * piece stored on its own, down to single rows, which are then the refused ones: one bad event
   * costs about 2·log2(n) inserts blind, or 3 when the engine names its row and is right
   * (`trustHint`: the engine's last hint was right, so its next one is worth an insert).
   */
  private async store(rows: Row[], base: number, progress: Progress, trustHint: boolean): Promise<void> {
    let error: unknown;
    try {
      progress.attempts += await this.insertWithRetry(rows);
      return;
    } catch (caught) {
      if (!this.blamesRows(caught)) throw caught;
      error = caught;
    }
    if (rows.length === 1) {
      progress.rejected.set(base, error);
      return;
    }
    const hint = trustHint ? this.options.blamedRow?.(error) : undefined;
    if (hint !== undefined && hint >= 1 && hint <= rows.length) {
      // The named row first: whether the engine was right decides if its next hints are trusted,
      // so hints that keep missing cost one insert each level at most, never a linear walk.
      const at = hint - 1;
      const before = progress.rejected.size;
      await this.store([rows[at]!], base + at, progress, false);
      const right = progress.rejected.size > before;
      if (at > 0) await this.store(rows.slice(0, at), base, progress, right);
      if (at + 1 < rows.length) await this.store(rows.slice(at + 1), base + at + 1, progress, right);
      return;
    }
    const middle = Math.ceil(rows.length / 2);
    await this.store(rows.slice(0, middle), base, progress, false);
    await this.store(rows.slice(middle), base + middle, progress, false);
  }

  private async insertWithRetry(rows: Row[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.insert(rows);
        return attempt;
      } catch (error) {
        this.options.onError?.(error, attempt);
        if (attempt >= this.maxAttempts || this.blamesRows(error)) throw error;
        await sleep(this.retryBaseMs * 2 ** (attempt - 1));
      }
    }
  }
}

interface Progress {
  attempts: number;
  /** Refused rows by their position in the batch. */
  rejected: Map<number, unknown>;
}

/** Answers each caller with the refused rows that are its own, by index in what it wrote. */
function settle(waiters: Waiter[], rejected: Map<number, unknown>): void {
  if (rejected.size === 0) {
    for (const waiter of waiters) waiter.resolve({ rejected: [] });
    return;
  }
  for (const waiter of waiters) {
    const own: RowRejection[] = [];
    for (const [position, error] of rejected) {
      if (position >= waiter.offset && position < waiter.offset + waiter.count) own.push({ index: position - waiter.offset, error });
    }
    own.sort((a, b) => a.index - b.index);
    waiter.resolve({ rejected: own });
  }
}

function emptyBatch<Row>(): Batch<Row> {
  return { rows: [], bytes: 0, waiters: [], since: 0 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
