// What a .heapsnapshot holds, grouped by constructor/type, and what grew between two of them.
// Sizes are self (shallow) sizes: retained sizes need a dominator tree of the whole graph,
// which is DevTools' and memlab's job once they load the files.
import { readFileSync } from 'node:fs';

export interface TypeCount {
  count: number;
  size: number;
}

export interface GrowthRow {
  name: string;
  countDelta: number;
  sizeDelta: number;
  countAfter: number;
  sizeAfter: number;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

export function summarizeSnapshot(file: string): Map<string, TypeCount> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, TypeCount>();
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt]!]!;
    // Objects and closures are told apart by constructor name; everything else by type alone.
    const key = type === 'object' || type === 'closure' ? raw.strings[raw.nodes[i + nameAt]!]! : `(${type})`;
    const entry = out.get(key);
    const size = raw.nodes[i + sizeAt]!;
    if (entry) {
      entry.count++;
      entry.size += size;
    } else {
      out.set(key, { count: 1, size });
    }
  }
  return out;
}

export function diffSummaries(before: Map<string, TypeCount>, after: Map<string, TypeCount>, top = 15): GrowthRow[] {
  const rows: GrowthRow[] = [];
  for (const [name, b] of after) {
    const a = before.get(name) ?? { count: 0, size: 0 };
    rows.push({ name, countDelta: b.count - a.count, sizeDelta: b.size - a.size, countAfter: b.count, sizeAfter: b.size });
  }
  rows.sort((x, y) => y.sizeDelta - x.sizeDelta || y.countDelta - x.countDelta);
  return rows.filter((r) => r.sizeDelta > 0 || r.countDelta > 0).slice(0, top);
}
