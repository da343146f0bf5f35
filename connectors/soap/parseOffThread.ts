import type { Worker } from 'node:worker_threads';
import { startWorker } from '../shared/workerThread';
import { parseSoapResponse, type SoapAnswer } from './parseSoapResponse';

/**
 * Answers at least this long are read in the worker thread; shorter ones (a single dossier's,
 * ~3 KB) in the calling thread, where the hop would cost more than it saves.
 */
export const OFF_THREAD_CHARS = 16 * 1024;
/** The worker ends after this long without an answer to read (its memory is given back). */
const IDLE_MS = 30_000;
/** One answer taking longer than this in the worker: the worker is stuck (and ended). */
const STUCK_MS = 10_000;
/** After this many workers lost (crashed, could not start, stuck), answers are read in the calling thread. */
const MAX_FAILURES = 3;
/** The worker's heap: a document and its tree at a time. */
const LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 };

interface Pending {
  text: string;
  resolve(answer: SoapAnswer): void;
}

/**
 * SOAP answers read in a worker thread (issue 10): reading a 20-dossier answer's XML is ~1 ms of
 * CPU and ~1 MB of short-lived objects, which in a 300-code batch landed on the serving thread
 * just when the other systems' answers were being mapped (and brought its garbage collections
 * into that window). In the worker it runs beside them on the other core; what comes back is the
 * Body as plain data (a structured clone, a sixth of the reading's time).
 *
 * The same `parseSoapResponse` runs there, so the answer is the same. One worker per process,
 * started by the first large answer, ended after 30 s idle; it keeps the process alive only while
 * it has answers to read. A worker that dies (out of memory on a huge document, a crash), sends
 * what cannot be read back, or takes longer than `STUCK_MS` over one answer is lost: that answer
 * (when stuck) is unreadable, the others in progress are read here; after three lost workers
 * everything is read here.
 */
export class SoapParseThread {
  private worker: Worker | null = null;
  private readonly idleMs: number;
  private readonly stuckMs: number;
  private readonly limits: typeof LIMITS;
  /** Answers sent to the worker, in the order it reads them. */
  private readonly pending = new Map<number, Pending>();
  private sequence = 0;
  private failures = 0;
  private idle: NodeJS.Timeout | null = null;
  /** Fires when the oldest answer in the worker has taken too long. */
  private watchdog: NodeJS.Timeout | null = null;

  constructor(options: { idleMs?: number; stuckMs?: number; limits?: typeof LIMITS } = {}) {
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.stuckMs = options.stuckMs ?? STUCK_MS;
    this.limits = options.limits ?? LIMITS;
  }

  /** Whether a worker thread is running now. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Workers lost so far (crashed, could not start, stuck). */
  get lostWorkers(): number {
    return this.failures;
  }

  /** The answer read off the calling thread when it is large (and a worker can run). */
  parse(text: string): SoapAnswer | Promise<SoapAnswer> {
    if (text.length < OFF_THREAD_CHARS || this.failures >= MAX_FAILURES)
      return parseSoapResponse(text);
    const worker = this.worker ?? this.start();
    this.sequence += 1;
    const id = this.sequence;
    if (this.idle !== null) {
      clearTimeout(this.idle);
      this.idle = null;
    }
    const first = this.pending.size === 0;
    const answer = new Promise<SoapAnswer>((resolve) => {
      this.pending.set(id, { text, resolve });
      worker.postMessage([id, text]);
    });
    // Answers to read keep the process alive; an idle worker does not.
    if (first) {
      worker.ref();
      this.watch();
    }
    return answer;
  }

  /** Ends the worker (answers in progress are read here). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.lost(false);
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = startWorker(__dirname, 'parseWorker', { resourceLimits: this.limits });
    worker.on('message', ([id, answer]: [number, SoapAnswer]) => {
      const pending = this.pending.get(id);
      if (pending === undefined) return;
      this.pending.delete(id);
      pending.resolve(answer);
      if (this.worker !== worker) return;
      this.watch();
      if (this.pending.size === 0) {
        worker.unref();
        this.idle = setTimeout(() => void this.close(), this.idleMs);
        this.idle.unref();
      }
    });
    // Lost (an error is followed by exit): what it was reading is read here.
    worker.on('messageerror', () => this.worker === worker && this.lost(true));
    worker.once('error', () => this.worker === worker && this.lost(true));
    worker.once('exit', () => this.worker === worker && this.lost(true));
    // After the listeners: adding a message listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Times the oldest answer in the worker (none: no timer). */
  private watch(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
    const oldest = this.pending.keys().next();
    if (oldest.done === true) return;
    const id = oldest.value;
    this.watchdog = setTimeout(() => {
      // The stuck answer would hold this thread as long: it is unreadable. The others are read here.
      const stuck = this.pending.get(id);
      this.pending.delete(id);
      stuck?.resolve({
        ok: false,
        unreadable: `reading the answer took longer than ${this.stuckMs} ms`,
      });
      const worker = this.worker;
      this.lost(true);
      void worker?.terminate();
    }, this.stuckMs);
    this.watchdog.unref();
  }

  private lost(failed: boolean): void {
    if (failed) this.failures += 1;
    this.worker = null;
    if (this.idle !== null) clearTimeout(this.idle);
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.idle = null;
    this.watchdog = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { text, resolve } of pending) resolve(parseSoapResponse(text));
  }
}

/** The process's SOAP parse thread, shared by every soap registration. */
export const soapParseThread = new SoapParseThread();
