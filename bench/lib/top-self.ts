// Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), for reading a profile
// without DevTools:  node bench/lib/top-self.ts FILE.cpuprofile [N] [--lines]
// --lines adds each function's hottest source lines (V8's positionTicks).
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  positionTicks?: { line: number; ticks: number }[];
}

export function topSelf(file: string, n = 20): { fn: string; pct: number; ms: number; lines: string }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  const totalHits = profile.samples.length;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const byFn = new Map<string, number>();
  const lines = new Map<string, Map<number, number>>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + (node.hitCount ?? 0));
    let perLine = lines.get(key);
    if (!perLine) lines.set(key, (perLine = new Map()));
    for (const { line, ticks } of node.positionTicks ?? []) perLine.set(line, (perLine.get(line) ?? 0) + ticks);
  }
  return [...byFn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, hits]) => ({
      fn,
      pct: +((hits / totalHits) * 100).toFixed(1),
      ms: Math.round((hits / totalHits) * totalMs),
      lines: [...(lines.get(fn) ?? [])]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([line, ticks]) => `L${line} ${Math.round((ticks / Math.max(hits, 1)) * 100)}%`)
        .join(' '),
    }));
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const withLines = args.includes('--lines');
  const [file, n] = args.filter((a) => a !== '--lines');
  if (!file) throw new Error('usage: node bench/lib/top-self.ts FILE.cpuprofile [N] [--lines]');
  console.table(topSelf(file, Number(n ?? 25)).map(({ lines, ...row }) => (withLines ? { ...row, lines } : row)));
}
