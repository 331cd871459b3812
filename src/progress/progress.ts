// The live status of a run on stderr. On a TTY: a block redrawn in place (elapsed/remaining,
// per probe heap, floor slope, msg rate, reconnects, and the verdict so far) that stays below
// the log lines. Elsewhere (CI logs, files): one plain summary line every `everyMs`.
// A bus consumer: it sees samples and events, never the verdict engine itself.
import type { Bus } from '../bus/bus.ts';
import type { ProbeEvent, Sample } from '../bus/types.ts';
import { MB, formatDuration } from '../shared/units.ts';
import { maskSecrets } from '../shared/secrets.ts';

export interface ProgressOptions {
  bus: Bus;
  out: NodeJS.WriteStream;
  durationMs: number;
  startedAt: number;
  /** Off a TTY: how often to print a summary line. */
  everyMs: number;
  color: boolean;
  /** Where NO_COLOR is read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Message rate over about this long, so one bursty interval does not make the figure jump. */
const RATE_WINDOW_MS = 10_000;

interface ProbeState {
  latest?: Sample;
  counts: { t: number; n: number }[];
  /** Running least-squares sums of the floor (x: hours since start, y: MB): O(1) however long the run. */
  fit: { n: number; sx: number; sy: number; sxx: number; sxy: number };
  sawMajor: boolean;
  crashed: boolean;
  ended: boolean;
  unresponsive: boolean;
}

type Part = { text: string; color?: number };

export class Progress {
  private readonly probes = new Map<string, ProbeState>();
  private process?: Sample;
  private readonly breaches: { probe: string; expr: string }[] = [];
  /** The verdict engine's leak status per probe, from its `leak` events (suspected, confirmed). */
  private readonly leaks = new Map<string, string>();
  /** Process memory peak and average, for the periodic report line (the 8 h checklist asks for both). */
  private rssPeak = 0;
  private rssSum = 0;
  private rssCount = 0;
  /** When the last plain line was printed (the run's start until the first). */
  private lastPlain: number;
  private readonly opts: ProgressOptions;
  private readonly color: boolean;
  private readonly tty: boolean;
  /** Lines of the block currently on screen (the cursor rests just below them). */
  private shown = 0;
  /** The block last drawn, to draw again under someone else's log line. */
  private lines: string[] = [];
  /** Someone else's text left the cursor mid-line: start the block on a fresh one. */
  private openLine = false;
  private raw?: (...args: unknown[]) => boolean;
  private restore?: () => void;

  constructor(opts: ProgressOptions) {
    this.opts = opts;
    this.lastPlain = opts.startedAt;
    this.tty = !!opts.out.isTTY;
    const noColor = (opts.env ?? process.env).NO_COLOR;
    this.color = opts.color && this.tty && !(noColor !== undefined && noColor !== '');
    opts.bus.on('sample', (sample) => this.onSample(sample));
    opts.bus.on('event', (event) => this.onEvent(event));
  }

  private state(probe: string): ProbeState {
    let s = this.probes.get(probe);
    if (!s) {
      s = { counts: [], fit: { n: 0, sx: 0, sy: 0, sxx: 0, sxy: 0 }, sawMajor: false, crashed: false, ended: false, unresponsive: false };
      this.probes.set(probe, s);
    }
    return s;
  }

  private onEvent(event: ProbeEvent): void {
    if (event.kind === 'breach') this.breaches.push({ probe: event.probe, expr: String(event.data?.expr ?? '?') });
    if (event.kind === 'leak' && typeof event.data?.status === 'string') this.leaks.set(event.probe, event.data.status);
    if (event.probe === 'process') return;
    const s = this.state(event.probe);
    if (event.kind === 'crash') s.crashed = true;
    if (event.kind === 'exit' || event.kind === 'crash') s.ended = true;
    if (event.kind === 'start') s.ended = false;
    if (event.kind === 'unresponsive') s.unresponsive = true;
    if (event.kind === 'responsive') s.unresponsive = false;
  }

  private onSample(sample: Sample): void {
    if (sample.probe === 'process') {
      this.process = sample;
      this.rssPeak = Math.max(this.rssPeak, sample.rss);
      this.rssSum += sample.rss;
      this.rssCount++;
      this.render(sample.t);
      return;
    }
    const s = this.state(sample.probe);
    s.latest = sample;
    const messages = sample.counters.messages;
    if (messages !== undefined) {
      s.counts.push({ t: sample.t, n: messages });
      while (s.counts.length > 2 && s.counts[0]!.t < sample.t - RATE_WINDOW_MS) s.counts.shift();
    }
    if (sample.heapFloor !== null) {
      if (sample.heapFloorMajor && !s.sawMajor) {
        // The first full-GC floor: earlier scavenge floors carried old-space garbage, start over.
        s.sawMajor = true;
        s.fit = { n: 0, sx: 0, sy: 0, sxx: 0, sxy: 0 };
      }
      const x = (sample.t - this.opts.startedAt) / 3_600_000;
      const y = sample.heapFloor / MB;
      const f = s.fit;
      f.n++;
      f.sx += x;
      f.sy += y;
      f.sxx += x * x;
      f.sxy += x * y;
    }
  }

  private render(now: number): void {
    if (this.tty) this.draw(this.block(now));
    else if (now - this.lastPlain >= this.opts.everyMs) {
      this.lastPlain = now;
      this.opts.out.write(maskSecrets(`${this.line(now)}\n`));
    }
  }

  private rate(s: ProbeState): number | undefined {
    const first = s.counts[0];
    const last = s.counts.at(-1);
    if (!first || !last || last.t <= first.t) return undefined;
    return (Math.max(0, last.n - first.n) * 1000) / (last.t - first.t);
  }

  private slope(s: ProbeState): number | undefined {
    const f = s.fit;
    const den = f.n * f.sxx - f.sx * f.sx;
    if (f.n < 3 || den <= 0) return undefined;
    return (f.n * f.sxy - f.sx * f.sy) / den;
  }

  /** The verdict so far: short for the header, with what failed for a line of its own. */
  private verdictSoFar(): { short: Part; detail?: string } {
    const crashed = [...this.probes].filter(([, s]) => s.crashed).map(([name]) => name);
    // Growth that stopped is not a warning: the verdict passes it.
    const leaks = [...this.leaks].filter(([, status]) => status !== 'bounded').map(([probe, status]) => `${probe} leak ${status}`);
    const counts: string[] = [];
    const details: string[] = [];
    if (this.breaches.length) {
      counts.push(`${this.breaches.length} breach${this.breaches.length > 1 ? 'es' : ''}`);
      details.push(...this.breaches.map((b) => `${b.probe}: ${b.expr}`));
    }
    if (crashed.length) {
      counts.push(`${crashed.length} crash${crashed.length > 1 ? 'es' : ''}`);
      details.push(`crashed: ${crashed.join(', ')}`);
    }
    details.push(...leaks);
    if (counts.length) return { short: { text: `FAILING: ${counts.join(', ')}`, color: 31 }, detail: details.join('; ') };
    // A leak alone may or may not fail the run (the scenario decides): a warning, not a verdict.
    if (leaks.length) return { short: { text: `ok so far, ${leaks.length} leak warning${leaks.length > 1 ? 's' : ''}`, color: 33 }, detail: leaks.join('; ') };
    return { short: { text: 'ok so far', color: 32 } };
  }

  private probeParts(s: ProbeState): Part[] {
    const parts: Part[] = [];
    const latest = s.latest;
    if (s.crashed) parts.push({ text: 'crashed', color: 31 });
    else if (s.ended) parts.push({ text: 'ended', color: 2 });
    else if (s.unresponsive || latest?.unresponsive) parts.push({ text: 'unresponsive', color: 33 });
    if (latest?.heapUsed != null) parts.push({ text: `heap ${(latest.heapUsed / MB).toFixed(1)}MB` });
    const slope = this.slope(s);
    if (slope !== undefined) {
      const text = slope.toFixed(Math.abs(slope) >= 10 ? 0 : 1);
      parts.push({ text: `floor ${/^-?0(\.0)?$/.test(text) ? text.replace('-', '') : slope > 0 ? `+${text}` : text}MB/h` });
    }
    const rate = this.rate(s);
    if (rate !== undefined) parts.push({ text: `msg ${rate.toFixed(rate >= 10 ? 0 : 1)}/s` });
    const c = latest?.counters;
    if (c?.['orders.placed'] !== undefined) {
      parts.push({ text: `orders ${c['orders.placed']}/${c['orders.modified'] ?? 0}/${c['orders.cancelled'] ?? 0} (placed/modified/cancelled)` });
    }
    if (c?.errors) parts.push({ text: `errors ${c.errors}`, color: 33 });
    const reconnects = latest?.counters.ws_reconnects;
    if (reconnects !== undefined) parts.push({ text: `reconn ${reconnects}`, color: reconnects > 0 ? 33 : undefined });
    if (parts.length === 0) parts.push({ text: 'starting', color: 2 });
    return parts;
  }

  private timing(now: number): string {
    const elapsed = Math.max(0, now - this.opts.startedAt);
    const left = Math.max(0, this.opts.durationMs - elapsed);
    return `${formatDuration(elapsed)}/${formatDuration(this.opts.durationMs)} (${formatDuration(left)} left)`;
  }

  /** The plain one-line summary (off a TTY, and for logs). */
  line(now: number): string {
    const parts = [this.timing(now)];
    for (const [name, s] of this.probes) parts.push(`${name}: ${this.probeParts(s).map((p) => p.text).join(' ')}`);
    if (this.process) {
      const avg = this.rssSum / Math.max(1, this.rssCount);
      parts.push(`rss ${(this.process.rss / MB).toFixed(0)}MB (peak ${(this.rssPeak / MB).toFixed(0)}, avg ${(avg / MB).toFixed(0)}) cpu ${this.process.cpu.toFixed(0)}%`);
    }
    const verdict = this.verdictSoFar();
    parts.push(verdict.detail ? `${verdict.short.text} (${verdict.detail})` : verdict.short.text);
    return parts.join(' | ');
  }

  /** The lines of the TTY block, fitted to the terminal's width (a wrapped line breaks redrawing). */
  block(now: number): string[] {
    const width = Math.max(20, (this.opts.out.columns || 100) - 1);
    const head: Part[] = [{ text: this.timing(now) }];
    if (this.process) head.push({ text: `rss ${(this.process.rss / MB).toFixed(0)}MB cpu ${this.process.cpu.toFixed(0)}%` });
    const verdict = this.verdictSoFar();
    head.push(verdict.short);
    const lines = [this.fit(head, width, '  ')];
    if (verdict.detail) lines.push(this.fit([{ text: `  ${verdict.detail}`, color: 31 }], width, ''));
    const pad = Math.max(0, ...[...this.probes.keys()].map((n) => n.length));
    const rows = Math.max(3, (this.opts.out.rows || 40) - 2);
    const names = [...this.probes.keys()];
    for (const name of names.slice(0, rows - 1)) {
      lines.push(this.fit([{ text: `  ${name.padEnd(pad)}`, color: 1 }, ...this.probeParts(this.probes.get(name)!)], width, '  '));
    }
    if (names.length > rows - 1) lines.push(`  … ${names.length - rows + 1} more probe(s)`);
    return lines;
  }

  private fit(parts: Part[], width: number, sep: string): string {
    let out = '';
    let used = 0;
    for (const [i, part] of parts.entries()) {
      const text = (i > 0 ? sep : '') + part.text;
      const room = width - used;
      if (room <= 0) break;
      const cut = text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text;
      used += cut.length;
      const lead = i > 0 ? cut.slice(0, Math.min(sep.length, cut.length)) : '';
      const body = cut.slice(lead.length);
      out += lead + (this.color && part.color ? `\u001b[${part.color}m${body}\u001b[0m` : body);
    }
    return out;
  }

  private draw(lines: string[]): void {
    const raw = this.hook();
    this.lines = lines;
    let text = this.erase();
    if (this.openLine) text += '\n';
    this.openLine = false;
    raw(text + maskSecrets(paint(lines)));
    this.shown = lines.length;
  }

  /** Moves back to the block's first line and clears to the end of the screen. */
  private erase(): string {
    const text = this.shown > 0 ? `\u001b[${this.shown}F\u001b[J` : '';
    this.shown = 0;
    return text;
  }

  /**
   * Log lines go to the same stream. Other writers' text is printed above the block (erase it,
   * write, draw it again below), so the status stays at the bottom and no log line is overwritten.
   */
  private hook(): (...args: unknown[]) => boolean {
    if (this.raw) return this.raw;
    const out = this.opts.out;
    const original = out.write;
    const raw = (...args: unknown[]) => (original as (...a: unknown[]) => boolean).apply(out, args);
    this.raw = raw;
    this.restore = () => {
      out.write = original;
    };
    out.write = ((chunk: unknown, ...rest: unknown[]) => {
      const erase = this.erase();
      if (erase) raw(erase);
      const ok = raw(chunk, ...rest);
      const endsLine = typeof chunk === 'string' ? chunk.endsWith('\n') : chunk instanceof Uint8Array && chunk.at(-1) === 10;
      if (!endsLine) this.openLine = true;
      else if (this.lines.length > 0) {
        raw(paint(this.lines));
        this.shown = this.lines.length;
        this.openLine = false;
      }
      return ok;
    }) as NodeJS.WriteStream['write'];
    return raw;
  }

  /** Leaves the last status on screen and hands the stream back. */
  finish(): void {
    this.restore?.();
    this.restore = undefined;
    this.raw = undefined;
    this.shown = 0;
    this.lines = [];
  }
}

function paint(lines: string[]): string {
  return lines.map((l) => `${l}\u001b[K\n`).join('');
}
