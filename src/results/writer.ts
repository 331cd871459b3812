// The results writer: a bus consumer that appends samples and events as they happen and keeps
// each probe's memory profile (the seed's `<probe>_soak_memory_profile.json`).
import path from 'node:path';
import type { Bus } from '../bus/bus.ts';
import type { ProbeEvent, Sample } from '../bus/types.ts';
import { MB } from '../shared/units.ts';
import { NdjsonFile } from './files.ts';
import { AtomicJsonArrayFile } from './atomic-json-array.ts';

export class ResultsWriter {
  private readonly samples: NdjsonFile;
  private readonly events: NdjsonFile;
  private readonly profiles = new Map<string, AtomicJsonArrayFile>();
  private readonly dir: string;
  private readonly onError: (err: Error) => void;
  private failed = false;

  constructor(dir: string, bus: Bus, probes: string[], onError: (err: Error) => void) {
    this.dir = dir;
    this.onError = onError;
    this.samples = new NdjsonFile(path.join(dir, 'samples.ndjson'));
    this.events = new NdjsonFile(path.join(dir, 'events.ndjson'));
    // Every probe gets its profile file even if it dies before its first sample.
    for (const probe of probes) this.profile(probe);
    bus.on('sample', (sample) => this.guard(() => this.onSample(sample)));
    bus.on('event', (event) => this.guard(() => this.onEvent(event)));
  }

  private guard(fn: () => void): void {
    if (this.failed) return;
    try {
      fn();
    } catch (err) {
      // Report once: a full disk fails every later write the same way.
      this.failed = true;
      this.onError(err as Error);
    }
  }

  private onSample(sample: Sample): void {
    this.samples.append(sample);
    if (sample.probe === 'process') return;
    this.profile(sample.probe).push({
      // The seed's `time.time()`: epoch seconds; the ISO form beside it for people.
      timestamp: sample.t / 1000,
      time: new Date(sample.t).toISOString(),
      rss_mb: round2(sample.rss / MB),
      heap_used_mb: sample.heapUsed === null ? null : round2(sample.heapUsed / MB),
      heap_floor_mb: sample.heapFloor === null ? null : round2(sample.heapFloor / MB),
    });
  }

  private profile(probe: string): AtomicJsonArrayFile {
    let profile = this.profiles.get(probe);
    if (!profile) {
      profile = new AtomicJsonArrayFile(path.join(this.dir, `${probe}_soak_memory_profile.json`));
      this.profiles.set(probe, profile);
    }
    return profile;
  }

  private onEvent(event: ProbeEvent): void {
    this.events.append(event);
  }

  close(): void {
    for (const file of [this.samples, this.events, ...this.profiles.values()]) {
      try {
        file.close();
      } catch (err) {
        if (!this.failed) this.onError(err as Error);
        this.failed = true;
      }
    }
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
