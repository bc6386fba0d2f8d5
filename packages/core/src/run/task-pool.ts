/**
 * A pool of worker threads for extract units and table merges, so inflating, tokenising and
 * copying use every core: the main thread only lists, schedules and judges. Each worker holds its
 * own connectors (opened from a registry module, since connector objects cannot cross threads)
 * and works on one task at a time; an extract unit that has only writes left (its last part's
 * close, its key runs) lets the worker start the next one meanwhile.
 *
 * Merges run here too, not on the main thread, because of V8's garbage collector: the main
 * thread's heap holds the whole CLI (~14 MB), and streaming buffers through a heap of that size
 * made V8 run a full mark-compact every ~60 ms (~100 during the 1 GB merge, ~0.9 s of CPU);
 * a worker's heap stays small enough not to (see `docs/architecture.md`).
 */
import { Worker } from 'node:worker_threads';
import type { ObjectInfo } from '../connectors/connector.js';
import type { ExtractUnitRecord } from '../ingest/extract-unit.js';
import type { Logger } from '../log/logger.js';
import type { MergeInputs } from './merge-manifest.js';
import type { MergeWorkResult } from './merge-work.js';
import type { WorkerMessage, WorkerSetup, WorkerTask } from './task-worker.js';

/** Each variant of `T` without its `id` (a plain Omit would merge the variants). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
/** Tasks as the pool takes them: the pool assigns their ids. */
type Task = WithoutId<WorkerTask>;
/** A task as {@link TaskPool.runTask} takes it (and a distributed job carries it). */
export type PoolTask = Task;

// Estimated worker time of a merge's tasks, in ns: copying runs at ~1.5 ns a byte and counting
// duplicates at ~50 ns a key here (1 GB drop: 647 MB copied in ~1 s, 10.4 M keys counted in ~0.4-0.7 s).
const copyCost = (inputs: MergeInputs) => 1.5 * inputs.bytes;
const countCost = (inputs: MergeInputs) => 50 * inputs.keys;

/**
 * Units a worker may hold that have only writes left, beside the one it works on. Waiting for those
 * writes between units left each worker idle ~10 ms a unit (~1 s per worker on the 1 GB drop).
 */
const MAX_FINISHING = 1;

/** What one worker holds. */
interface Load {
  /** Every task sent to it and not yet done or failed. */
  readonly tasks: Set<number>;
  /** Tasks it is working on (0 or 1). */
  busy: number;
  /** Tasks with only writes left (see `ExtractUnitContext.onDecoded`). */
  readonly finishing: Set<number>;
}

/** Runs extract units and table merges on worker threads. */
export class TaskPool {
  private readonly workers: Worker[] = [];
  private readonly loads = new Map<Worker, Load>();
  private readonly idle: Worker[] = [];
  /** Tasks waiting for a worker, with their estimated cost: the costliest goes first. */
  private readonly waiting: { cost: number; start(worker: Worker): void }[] = [];
  private readonly pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  private nextId = 0;
  private closing = false;
  /** A dispatch of waiting tasks to idle workers is scheduled (see `acquire`). */
  private dispatching = false;
  private closed: Promise<void> | undefined;

  constructor(
    size: number,
    private readonly setup: WorkerSetup,
    private readonly logger: Logger,
    private readonly onBytes: (bytes: number) => void,
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    // A small young generation keeps each worker near 20 MB instead of 60 MB at the same speed
    // (measured: peak RSS of a 2-worker run 243 MB -> 209 MB, wall time unchanged).
    const worker = new Worker(new URL('./task-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    const load: Load = { tasks: new Set(), busy: 0, finishing: new Set() };
    this.loads.set(worker, load);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'bytes') this.onBytes(message.bytes);
      else if (message.type === 'log') this.logger[message.level](message.message, message.fields);
      else if (message.type === 'decoded') {
        load.busy--;
        load.finishing.add(message.id);
        this.offer(worker);
      } else {
        load.tasks.delete(message.id);
        if (!load.finishing.delete(message.id)) load.busy--;
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.type === 'done') waiter?.resolve(message.result);
        else waiter?.reject(new Error(message.message));
        this.offer(worker);
      }
    });
    const lost = (error: Error) => {
      // A worker that dies fails its tasks (a re-run redoes them) and is replaced.
      // 'error' is followed by 'exit': the first of them does it.
      if (this.closing || !this.loads.delete(worker)) return;
      this.workers.splice(this.workers.indexOf(worker), 1);
      const idle = this.idle.indexOf(worker);
      if (idle >= 0) this.idle.splice(idle, 1);
      for (const task of load.tasks) {
        this.pending.get(task)?.reject(error);
        this.pending.delete(task);
      }
      this.release(this.spawn());
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a worker thread exited with code ${code}`)));
    worker.postMessage({ setup: this.setup });
    this.workers.push(worker);
    return worker;
  }

  /** Whether worker threads can run here: the compiled build has the worker script; sources under a test runner do not. */
  static available(): boolean {
    return import.meta.url.endsWith('.js');
  }

  /** Releases `worker` if it can take a task now and is not already waiting for one. */
  private offer(worker: Worker): void {
    const load = this.loads.get(worker);
    if (!load || load.busy > 0 || load.finishing.size > MAX_FINISHING || this.idle.includes(worker)) return;
    this.release(worker);
  }

  private release(worker: Worker): void {
    if (this.waiting.length === 0) {
      this.idle.push(worker);
      return;
    }
    // The first of the costliest, so tasks of equal cost (extract units) keep their order.
    let next = 0;
    for (let i = 1; i < this.waiting.length; i++) if (this.waiting[i]!.cost > this.waiting[next]!.cost) next = i;
    // Counted busy now, not when the task is posted: a message handled in between must not offer it again.
    this.loads.get(worker)!.busy++;
    this.waiting.splice(next, 1)[0]!.start(worker);
  }

  /**
   * A worker for a task of `cost`. Tasks wait at least until the event loop's next turn, so the
   * ones submitted in the same turn (the table stages' merges, see `gather.ts`) start costliest
   * first, not first come.
   */
  private acquire(cost: number): Promise<Worker> {
    if (!this.dispatching) {
      this.dispatching = true;
      setImmediate(() => {
        this.dispatching = false;
        while (this.idle.length > 0 && this.waiting.length > 0) this.release(this.idle.pop()!);
      });
    }
    return new Promise((start) => this.waiting.push({ cost, start }));
  }

  /** Runs one extract unit on the next free worker. */
  async extract(archive: ObjectInfo, archiveId: string): Promise<ExtractUnitRecord> {
    return (await this.run({ kind: 'extract', archive, archiveId })) as ExtractUnitRecord;
  }

  /**
   * Merges one table's parts and counts its duplicates: two tasks, so a big table's copy and
   * count run on different workers (1 GB drop: merge stage 4.1-4.6 s -> 2.9-3.4 s, 3 runs each).
   * Tables' tasks run costliest first, so the biggest table does not start last and stand alone
   * on the critical path.
   */
  async merge(table: string, inputs: MergeInputs): Promise<MergeWorkResult> {
    const [copied, duplicates] = await Promise.all([this.run({ kind: 'copy', table, inputs }, copyCost(inputs)), this.run({ kind: 'count', table, inputs }, countCost(inputs))]);
    return { copied, duplicates } as MergeWorkResult;
  }

  /** Runs one task as sent (a distributed worker's job): an extract unit, a copy or a count. */
  runTask(task: PoolTask): Promise<unknown> {
    return this.run(task);
  }

  private async run(task: Task, cost = 0): Promise<unknown> {
    const worker = await this.acquire(cost);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const load = this.loads.get(worker);
      if (!load) {
        // The worker died between being handed this task and the task being posted.
        reject(new Error('a worker thread exited before its task started'));
        return;
      }
      this.pending.set(id, { resolve, reject });
      load.tasks.add(id);
      worker.postMessage({ task: { ...task, id } });
    });
  }

  /** Stops at once: pending tasks fail with `reason` and the threads are terminated. */
  async abort(reason: Error): Promise<void> {
    this.closing = true;
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
    this.closed ??= Promise.all(this.workers.map((worker) => worker.terminate())).then(() => {});
    await this.closed;
  }

  /** Closes connectors in every worker and ends the threads; later calls wait for the first. */
  close(): Promise<void> {
    this.closed ??= this.closeWorkers();
    return this.closed;
  }

  private async closeWorkers(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.postMessage({ close: true });
          }),
      ),
    );
  }
}
