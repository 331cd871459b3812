// What grew between two snapshots of one worker, named by what holds it. V8 keeps an object's
// id across snapshots of one isolate, so "new" objects are the ids the first snapshot lacks.
// Each new object is charged to its nearest dominator that already existed: the long-lived
// Map, array or emitter that keeps accumulating. The holder is then named by its shortest
// retainer path from the GC roots, with variable and property names and, where V8 recorded
// it, the function and script of the closure the path runs through.
import { groupThousands } from '../shared/text.ts';
import { edgeLabel, loadHeapGraph, nodeName, type HeapGraph } from './graph.ts';

export type { Culprit } from '../bus/verdict.ts';
import type { Culprit } from '../bus/verdict.ts';

/** Sorted ids of a snapshot with each one's retained size and entry count, to look up by id. */
export interface SnapshotIndex {
  ids: Float64Array;
  retained: Float64Array;
  entries: Float64Array;
}

export function indexOf(g: HeapGraph): SnapshotIndex {
  const order = Uint32Array.from({ length: g.nodeCount }, (_, i) => i).sort((a, b) => g.id[a]! - g.id[b]!);
  const ids = new Float64Array(order.length);
  const retained = new Float64Array(order.length);
  const entries = new Float64Array(order.length);
  order.forEach((node, k) => {
    ids[k] = g.id[node]!;
    retained[k] = g.retained[node]!;
    entries[k] = entryCount(g, node);
  });
  return { ids, retained, entries };
}

function find(index: SnapshotIndex, id: number): number {
  let lo = 0;
  let hi = index.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = index.ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * How many entries a collection holds: a Map/Set's backing table, an array's elements, an
 * object's own properties. Counted on the holder and its internal stores (`table`, `elements`).
 */
function entryCount(g: HeapGraph, node: number): number {
  const element = g.edgeTypes.indexOf('element');
  const property = g.edgeTypes.indexOf('property');
  const internal = g.edgeTypes.indexOf('internal');
  let count = 0;
  for (let edge = g.firstEdge[node]!; edge < g.firstEdge[node + 1]!; edge++) {
    const t = g.edgeType[edge]!;
    if (t === element || (t === property && g.nodeTypes[g.type[node]!] === 'object')) count++;
    else if (t === internal) {
      const label = g.strings[g.edgeName[edge]!];
      if (label === 'table' || label === 'elements') count += storeEntries(g, g.edgeTo[edge]!);
    }
  }
  // An object's own property slots include `__proto__` and `map`-like bookkeeping: close enough
  // for a delta, which is all this is used for.
  return count;
}

function storeEntries(g: HeapGraph, store: number): number {
  const element = g.edgeTypes.indexOf('element');
  const internal = g.edgeTypes.indexOf('internal');
  let elements = 0;
  const slots: number[] = [];
  for (let edge = g.firstEdge[store]!; edge < g.firstEdge[store + 1]!; edge++) {
    const t = g.edgeType[edge]!;
    if (t === element) elements++;
    else if (t === internal) {
      const label = g.strings[g.edgeName[edge]!] ?? '';
      if (/^\d+$/.test(label)) slots.push(Number(label));
    }
  }
  if (elements > 0 || slots.length === 0) return elements;
  // A Map/Set's hash table lists its heap slots by number: a Map entry's key and value are
  // adjacent, a chain slot (a Smi, absent) separates entries. One run of slots = one entry.
  slots.sort((a, b) => a - b);
  let runs = 0;
  for (let i = 0; i < slots.length; i++) if (i === 0 || slots[i]! !== slots[i - 1]! + 1) runs++;
  return runs;
}

/** Smaller growth is noise between two snapshots of a live client. */
const MIN_BYTES = 16 * 1024;

const BORING_EDGES = new Set(['context', 'table', 'map', 'prototype', '__proto__', 'constructor', 'native_context', 'global_proxy', 'shared', 'feedback_cell', 'scope_info', 'previous']);

/** Root-to-node path through readable names; the closure it runs through, if any. */
function retainerPath(g: HeapGraph, node: number): { steps: string[]; closure?: number } {
  const steps: string[] = [];
  let closure: number | undefined;
  const closureType = g.nodeTypes.indexOf('closure');
  const contextEdge = g.edgeTypes.indexOf('context');
  const contextOwner = new Map<number, number>();
  for (let cur = node, hops = 0; cur > 0 && hops < 64; hops++) {
    const edge = g.parentEdge[cur]!;
    const parent = g.parentNode[cur]!;
    if (edge < 0 || parent < 0) break;
    const label = edgeLabel(g, edge);
    if (g.type[parent] === closureType && closure === undefined) closure = parent;
    if (g.edgeType[edge] === contextEdge) {
      // A variable of a function's scope: name it after the variable.
      steps.push(`${label} (variable)`);
      contextOwner.set(steps.length - 1, parent);
    } else if (steps.length === 0 || (!BORING_EDGES.has(label) && !/^\d+$/.test(label) && g.nodeTypes[g.type[parent]!] !== 'synthetic')) {
      // Numbered internal slots and the synthetic root groups say nothing to a reader. A
      // property of a class instance is named with its class: `FeedClient.seenIds`.
      const owner = g.nodeTypes[g.type[parent]!] === 'object' && g.edgeTypes[g.edgeType[edge]!] === 'property' ? nodeName(g, parent) : '';
      steps.push(owner && owner !== 'Object' && !owner.startsWith('(') ? `${owner}.${label}` : label);
    }
    cur = parent;
  }
  steps.reverse();
  return { steps, ...(closure !== undefined ? { closure } : {}) };
}

/** `fn @ file:line:col` of a closure: V8's recorded location and the script's name. */
function closureLocation(g: HeapGraph, closure: number, scriptNames: Map<number, string>): string | undefined {
  const loc = g.locations.get(closure);
  const fn = g.strings[g.name[closure]!] || '(anonymous)';
  const script = loc ? scriptNames.get(loc.scriptId) ?? scriptOf(g, closure) : scriptOf(g, closure);
  if (!loc && !script) return undefined;
  const where = script ? shortScript(script) : `script ${loc!.scriptId}`;
  return loc ? `${fn} @ ${where}:${loc.line + 1}:${loc.column + 1}` : `${fn} @ ${where}`;
}

/** closure → shared → script → name, following the snapshot's internal edges. */
function scriptOf(g: HeapGraph, closure: number): string | undefined {
  const child = (node: number, label: string) => {
    for (let edge = g.firstEdge[node]!; edge < g.firstEdge[node + 1]!; edge++) {
      if (g.strings[g.edgeName[edge]!] === label && g.edgeTypes[g.edgeType[edge]!] !== 'element' && g.edgeTypes[g.edgeType[edge]!] !== 'hidden') return g.edgeTo[edge]!;
    }
    return undefined;
  };
  const shared = child(closure, 'shared');
  const script = shared !== undefined ? child(shared, 'script') : undefined;
  const name = script !== undefined ? child(script, 'name') : undefined;
  if (name === undefined) return undefined;
  const text = g.strings[g.name[name]!];
  return text ? text : undefined;
}

function shortScript(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const cwd = process.cwd() + '/';
  return file.startsWith(cwd) ? file.slice(cwd.length) : file;
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '+';
  if (abs >= 1024 * 1024) return `${sign}${(abs / 1024 / 1024).toFixed(1)} MB`;
  if (abs >= 1024) return `${sign}${(abs / 1024).toFixed(1)} KB`;
  return `${sign}${abs} B`;
}

/**
 * The top holders of what grew between `before` and `after` (files or loaded graphs). `before`
 * is only needed as an id index, so it is dropped before `after` is loaded.
 */
export function findCulprits(before: string | SnapshotIndex, after: string | HeapGraph, top = 5): Culprit[] {
  const old = typeof before === 'string' ? indexOf(loadHeapGraph(before)) : before;
  const g = typeof after === 'string' ? loadHeapGraph(after) : after;
  const n = g.nodeCount;
  const isNew = new Uint8Array(n);
  for (let node = 0; node < n; node++) if (find(old, g.id[node]!) < 0) isNew[node] = 1;
  // Nearest pre-existing dominator of each new object, in dominator order (holders first).
  const holderOf = new Int32Array(n).fill(-1);
  const topNew = new Int32Array(n).fill(-1);
  const bytes = new Map<number, number>();
  const count = new Map<number, number>();
  for (let k = 1; k < g.order.length; k++) {
    const node = g.order[k]!;
    const dom = g.dominator[node]!;
    if (!isNew[node] || dom < 0) continue;
    if (isNew[dom]) {
      holderOf[node] = holderOf[dom]!;
      topNew[node] = topNew[dom]!;
    } else {
      holderOf[node] = dom;
      topNew[node] = node;
    }
    const holder = holderOf[node]!;
    if (holder <= 0) continue;
    bytes.set(holder, (bytes.get(holder) ?? 0) + g.selfSize[node]!);
    count.set(holder, (count.get(holder) ?? 0) + 1);
  }
  // Wrappers that only pass a collection on (an internal `table`/`elements` store) are charged to
  // the collection that owns them: the Map, not its OrderedHashMap.
  const charged = new Map<number, { bytes: number; objects: number }>();
  for (const [holder, b] of bytes) {
    const owner = ownerOf(g, holder);
    const entry = charged.get(owner) ?? { bytes: 0, objects: 0 };
    entry.bytes += b;
    entry.objects += count.get(holder) ?? 0;
    charged.set(owner, entry);
  }
  const scriptNames = new Map<number, string>();
  const sorted = [...charged].filter(([holder]) => holder > 0 && g.nodeTypes[g.type[holder]!] !== 'synthetic').sort((a, b) => b[1].bytes - a[1].bytes);
  // Churn (a few live buffers, lazily compiled code) is not a culprit: keep holders of at least
  // MIN_BYTES and 1 % of the largest growth.
  const floor = Math.max(MIN_BYTES, (sorted[0]?.[1].bytes ?? 0) / 100);
  const ranked = sorted.filter(([, grown]) => grown.bytes >= floor).slice(0, top);
  return ranked.map(([holder, grown]) => {
    const at = find(old, g.id[holder]!);
    const retainedBefore = at >= 0 ? old.retained[at]! : 0;
    const entriesBefore = at >= 0 ? old.entries[at]! : 0;
    const countDelta = entryCount(g, holder) - entriesBefore;
    const { steps, closure } = retainerPath(g, holder);
    const location = closure !== undefined ? closureLocation(g, closure, scriptNames) : undefined;
    const label = steps.length > 0 ? steps[steps.length - 1]!.replace(/ \(variable\)$/, '') : '';
    const kind = nodeName(g, holder);
    const holderText = label ? `${kind} (${label})` : kind;
    const via = steps.slice(0, -1).reverse().map((s) => s.replace(/ \(variable\)$/, '')).slice(0, 6);
    const retainedDeltaBytes = g.retained[holder]! - retainedBefore;
    const text =
      `${holderText}${location ? ` in ${location}` : ''}${via.length > 0 ? ` ← ${via.join(' ← ')}` : ''}: ` +
      `${countDelta >= 0 ? '+' : ''}${groupThousands(countDelta)} entries, ${formatBytes(retainedDeltaBytes)} retained ` +
      `(${groupThousands(grown.objects)} new objects, ${formatBytes(grown.bytes)})`;
    return {
      path: steps.join(' → '),
      holder: holderText,
      retainedBytes: g.retained[holder]!,
      retainedDeltaBytes,
      countDelta,
      newObjects: grown.objects,
      ...(location ? { location } : {}),
      text,
    };
  });
}

/** A collection's internal store (reached by a `table`/`elements` edge) stands for its owner. */
function ownerOf(g: HeapGraph, node: number): number {
  const edge = g.parentEdge[node]!;
  if (edge < 0) return node;
  const label = g.strings[g.edgeName[edge]!];
  const kind = g.edgeTypes[g.edgeType[edge]!];
  if (kind === 'internal' && (label === 'table' || label === 'elements' || label === 'properties')) return g.parentNode[node]!;
  return node;
}
