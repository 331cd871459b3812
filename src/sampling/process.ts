// Process-wide RSS and CPU through pidusage, which reads /proc on Linux and gives CPU % over
// the interval since its previous call for the same pid.
import pidusage from 'pidusage';

export interface ProcessReading {
  rss: number;
  cpu: number;
}

export async function sampleProcess(pid = process.pid): Promise<ProcessReading> {
  try {
    const stat = await pidusage(pid);
    return { rss: stat.memory, cpu: stat.cpu };
  } catch {
    return { rss: process.memoryUsage.rss(), cpu: 0 };
  }
}

export function closeProcessSampler(): void {
  pidusage.clear();
}
