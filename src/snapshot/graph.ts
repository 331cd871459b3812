// A V8 .heapsnapshot as a graph: dominator tree, retained sizes and the shortest retainer path
// from the GC roots (what DevTools' "Retainers" and memlab's leak traces show). Everything is
// kept in typed arrays indexed by node ordinal so a 100 MB snapshot stays within a few hundred
// MB of the diff worker's heap.
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
      location_fields?: string[];
    };
    node_count: number;
    edge_count: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
}

export interface HeapGraph {
  nodeCount: number;
  /** Per node ordinal. */
  type: Uint8Array;
  name: Uint32Array;
  id: Float64Array;
  selfSize: Float64Array;
  firstEdge: Uint32Array;
  /** Per edge. */
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTo: Uint32Array;
  strings: string[];
  nodeTypes: string[];
  edgeTypes: string[];
  /** Per node ordinal; -1 = unreachable (only weakly held: garbage at the next GC). */
  dominator: Int32Array;
  retained: Float64Array;
  /** The edge through which the shortest path from the root reaches the node (-1 for the root / unreachable). */
  parentEdge: Int32Array;
  /** The node at the other end of parentEdge. */
  parentNode: Int32Array;
  /** Node ordinals in reverse post-order from the root (dominators before what they dominate). */
  order: Uint32Array;
  /** closure node ordinal -> "script:line:col" (V8 records locations for closures). */
  locations: Map<number, { scriptId: number; line: number; column: number }>;
}

export function loadHeapGraph(file: string): HeapGraph {
  return buildHeapGraph(JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot);
}

function buildHeapGraph(raw: RawSnapshot): HeapGraph {
  const meta = raw.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [typeAt, nameAt, idAt, sizeAt, countAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [number, number, number, number, number];
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
  const n = raw.nodes.length / nf;
  const m = raw.edges.length / ef;
  const type = new Uint8Array(n);
  const name = new Uint32Array(n);
  const id = new Float64Array(n);
  const selfSize = new Float64Array(n);
  const firstEdge = new Uint32Array(n + 1);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const base = i * nf;
    type[i] = raw.nodes[base + typeAt]!;
    name[i] = raw.nodes[base + nameAt]!;
    id[i] = raw.nodes[base + idAt]!;
    selfSize[i] = raw.nodes[base + sizeAt]!;
    firstEdge[i] = e;
    e += raw.nodes[base + countAt]!;
  }
  firstEdge[n] = e;
  const edgeType = new Uint8Array(m);
  const edgeName = new Uint32Array(m);
  const edgeTo = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const base = j * ef;
    edgeType[j] = raw.edges[base + eTypeAt]!;
    edgeName[j] = raw.edges[base + eNameAt]!;
    edgeTo[j] = raw.edges[base + eToAt]! / nf;
  }
  const locations = new Map<number, { scriptId: number; line: number; column: number }>();
  const lf = meta.location_fields ?? [];
  if (raw.locations && lf.length > 0) {
    const [objAt, scriptAt, lineAt, colAt] = ['object_index', 'script_id', 'line', 'column'].map((f) => lf.indexOf(f)) as [number, number, number, number];
    for (let k = 0; k < raw.locations.length; k += lf.length) {
      locations.set(raw.locations[k + objAt]! / nf, { scriptId: raw.locations[k + scriptAt]!, line: raw.locations[k + lineAt]!, column: raw.locations[k + colAt]! });
    }
  }
  const strings = raw.strings;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  // Let the parsed arrays go before the next big allocations.
  raw.nodes = [];
  raw.edges = [];
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const g = { nodeCount: n, type, name, id, selfSize, firstEdge, edgeType, edgeName, edgeTo, strings, nodeTypes, edgeTypes, locations } as HeapGraph;
  const essential = (edge: number) => edgeType[edge] !== weak && edgeType[edge] !== shortcut;
  computeDominators(g, essential);
  computeShortestPaths(g, essential);
  return g;
}

/**
 * Cooper, Harvey & Kennedy, "A Simple, Fast Dominance Algorithm": iterate over the reverse
 * post-order until the immediate dominators settle. Heap graphs settle in a few passes.
 */
function computeDominators(g: HeapGraph, essential: (edge: number) => boolean): void {
  const n = g.nodeCount;
  const { firstEdge, edgeTo } = g;
  // Post-order numbering by an iterative DFS from the root (ordinal 0).
  const post = new Int32Array(n).fill(-1);
  const byPost = new Uint32Array(n);
  const visited = new Uint8Array(n);
  const stackNode = new Uint32Array(n);
  const stackEdge = new Uint32Array(n);
  let sp = 0;
  let counter = 0;
  stackNode[0] = 0;
  stackEdge[0] = firstEdge[0]!;
  visited[0] = 1;
  sp = 1;
  while (sp > 0) {
    const node = stackNode[sp - 1]!;
    const edge = stackEdge[sp - 1]!;
    if (edge < firstEdge[node + 1]!) {
      stackEdge[sp - 1] = edge + 1;
      if (!essential(edge)) continue;
      const to = edgeTo[edge]!;
      if (visited[to]) continue;
      visited[to] = 1;
      stackNode[sp] = to;
      stackEdge[sp] = firstEdge[to]!;
      sp++;
    } else {
      post[node] = counter;
      byPost[counter++] = node;
      sp--;
    }
  }
  // Predecessors (reachable ones only), in post-order numbers, as CSR.
  const predCount = new Uint32Array(counter + 1);
  for (let node = 0; node < n; node++) {
    if (post[node]! < 0) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge++) {
      if (essential(edge) && post[edgeTo[edge]!]! >= 0) predCount[post[edgeTo[edge]!]! + 1]!++;
    }
  }
  for (let i = 0; i < counter; i++) predCount[i + 1]! += predCount[i]!;
  const preds = new Uint32Array(predCount[counter]!);
  const fill = predCount.slice(0, counter);
  for (let node = 0; node < n; node++) {
    const p = post[node]!;
    if (p < 0) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge++) {
      if (!essential(edge)) continue;
      const q = post[edgeTo[edge]!]!;
      if (q >= 0) preds[fill[q]!++] = p;
    }
  }
  const root = counter - 1;
  const idom = new Int32Array(counter).fill(-1);
  idom[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = idom[a]!;
      while (b < a) b = idom[b]!;
    }
    return a;
  };
  for (let pass = 0, changed = true; changed && pass < 100; pass++) {
    changed = false;
    for (let b = root - 1; b >= 0; b--) {
      let next = -1;
      for (let k = predCount[b]!; k < predCount[b + 1]!; k++) {
        const p = preds[k]!;
        if (idom[p] === -1) continue;
        next = next === -1 ? p : intersect(p, next);
      }
      if (next !== -1 && idom[b] !== next) {
        idom[b] = next;
        changed = true;
      }
    }
  }
  const dominator = new Int32Array(n).fill(-1);
  const retained = new Float64Array(n);
  for (let p = 0; p < counter; p++) {
    const node = byPost[p]!;
    dominator[node] = byPost[idom[p]!]!;
    retained[node] = retained[node]! + g.selfSize[node]!;
    // Children come before their dominator in post-order: add up on the way.
    const up = byPost[idom[p]!]!;
    if (p !== root) retained[up] = retained[up]! + retained[node]!;
  }
  const order = new Uint32Array(counter);
  for (let p = 0; p < counter; p++) order[p] = byPost[root - p]!;
  g.dominator = dominator;
  g.retained = retained;
  g.order = order;
}

/**
 * Breadth-first from the root. Paths through V8's bookkeeping (hidden edges, the internalized
 * string table, code space) explain nothing to a reader, so those are only taken when nothing
 * else reaches a node: a second BFS layer after the readable one.
 */
function computeShortestPaths(g: HeapGraph, essential: (edge: number) => boolean): void {
  const n = g.nodeCount;
  const parentEdge = new Int32Array(n).fill(-1);
  const parentNode = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  const queue = new Uint32Array(n);
  const hidden = g.edgeTypes.indexOf('hidden');
  const codeType = g.nodeTypes.indexOf('code');
  const readable = (edge: number) => essential(edge) && g.edgeType[edge] !== hidden && g.type[g.edgeTo[edge]!] !== codeType;
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  for (const accept of [readable, essential]) {
    // The second round restarts from everything reached so far.
    if (accept === essential) head = 0;
    while (head < tail) {
      const node = queue[head++]!;
      for (let edge = g.firstEdge[node]!; edge < g.firstEdge[node + 1]!; edge++) {
        const to = g.edgeTo[edge]!;
        if (seen[to] || !accept(edge)) continue;
        seen[to] = 1;
        parentEdge[to] = edge;
        parentNode[to] = node;
        queue[tail++] = to;
      }
    }
  }
  g.parentEdge = parentEdge;
  g.parentNode = parentNode;
}

/** The edge's label: a property or variable name, or `[index]`. */
export function edgeLabel(g: HeapGraph, edge: number): string {
  const kind = g.edgeTypes[g.edgeType[edge]!];
  if (kind === 'element' || kind === 'hidden') return `[${g.edgeName[edge]}]`;
  return g.strings[g.edgeName[edge]!] ?? '?';
}

export function nodeName(g: HeapGraph, node: number): string {
  const type = g.nodeTypes[g.type[node]!]!;
  const name = g.strings[g.name[node]!] ?? '';
  if (type === 'object' || type === 'closure' || type === 'native' || type === 'synthetic') return name || `(${type})`;
  if (type === 'hidden' || type === 'array' || type === 'code') return name.startsWith('system / ') ? name.slice(9) : `(${type}${name ? ' ' + name : ''})`;
  return `(${type})`;
}
