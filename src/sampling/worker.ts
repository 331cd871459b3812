// Measures one worker thread from the outside (main thread): its isolate's heap, its event-loop
// utilisation and its own CPU. From outside so a wedged worker is still seen to be wedged.
import type { Worker } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';

export interface WorkerReading {
  heapUsed: number;
  heapTotal: number;
  external: number;
  heapLimit: number;
  detachedContexts: number;
}

export class WorkerSampler {
  private lastElu?: EventLoopUtilization;
  private lastCpu?: { user: number; system: number };
  private lastCpuAt = 0;
  readonly worker: Worker;

  constructor(worker: Worker) {
    this.worker = worker;
  }

  /** Heap statistics, or undefined when the worker does not answer within `timeoutMs`. */
  async heap(timeoutMs: number): Promise<WorkerReading | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      const stats = await Promise.race([this.worker.getHeapStatistics(), timeout]);
      if (!stats) return undefined;
      return {
        heapUsed: stats.used_heap_size,
        heapTotal: stats.total_heap_size,
        external: stats.external_memory ?? 0,
        heapLimit: stats.heap_size_limit,
        detachedContexts: stats.number_of_detached_contexts,
      };
    } catch {
      return undefined; // the thread exited between the check and the query
    } finally {
      clearTimeout(timer);
    }
  }

  /** Event-loop utilisation since the previous call (0..1). */
  elu(): number | null {
    try {
      const now = this.worker.performance.eventLoopUtilization();
      const delta = this.lastElu ? this.worker.performance.eventLoopUtilization(now, this.lastElu) : now;
      this.lastElu = now;
      return delta.utilization;
    } catch {
      return null;
    }
  }

  /** The thread's CPU since the previous call, in % of one core; null where unsupported. */
  async threadCpu(): Promise<number | null> {
    const worker = this.worker as Worker & { cpuUsage?: () => Promise<{ user: number; system: number }> };
    if (typeof worker.cpuUsage !== 'function') return null;
    try {
      const now = await worker.cpuUsage();
      const at = performance.now();
      const last = this.lastCpu;
      const lastAt = this.lastCpuAt;
      this.lastCpu = now;
      this.lastCpuAt = at;
      if (!last || at <= lastAt) return null;
      const usedUs = now.user - last.user + (now.system - last.system);
      return (usedUs / ((at - lastAt) * 1000)) * 100;
    } catch {
      return null;
    }
  }
}
