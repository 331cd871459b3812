// The Python agent's two looks (allocation sites from tracemalloc, containers whose len() grew)
// as culprits shaped like a worker's: what holds the growth first, then where it was allocated.
import { groupThousands } from '../shared/text.ts';
import type { Culprit } from '../bus/verdict.ts';
import { formatBytes } from './culprits.ts';
import type { GrowthRow } from './summary.ts';

/** A Python agent's look is kept as `snapshots/<probe>-<time>.pylook.json`. */
export const PYTHON_LOOK_SUFFIX = '.pylook.json';

/** One allocation site from the agent's `diff` (agents/python/exsoak_agent.py). */
export interface PythonSite {
  site: string;
  code: string;
  sizeDelta: number;
  countDelta: number;
  size: number;
  count: number;
  /** Set when the site is where a grown container's newest entries were allocated (no snapshot): the container. */
  heldBy?: string;
  /** Most recent call first; `lib` marks standard-library and site-packages frames. */
  frames: { at: string; lib: 'stdlib' | 'site-packages' | null }[];
}

/** One container from the agent's `holders`, with its referrer path (root first). */
export interface PythonHolder {
  holder: string;
  type: string;
  path: string[];
  countDelta: number;
  len: number;
  sizeBytes: number;
  /** What the new entries hold, estimated from the newest ones (agents before this field: absent). */
  bytesDelta?: number;
  /** A deque at its maxlen: full, not growing. */
  full?: number;
  /** Where its newest entries were allocated, the growth shared out by them. */
  sites?: PythonSite[];
}

/** Smaller growth between two looks at a live client is churn, not a culprit. */
const MIN_SITE_BYTES = 16 * 1024;
/** Frames of the allocation traceback shown in a culprit's text. */
const TEXT_FRAMES = 4;

/**
 * The traceback as a reader wants it: the user's frames as they are, each run of standard-library
 * or site-packages frames collapsed to its first frame and a count (kept in full in `traceback`).
 */
export function collapseFrames(frames: PythonSite['frames']): string[] {
  const out: string[] = [];
  for (let i = 0; i < frames.length; ) {
    const lib = frames[i]!.lib;
    if (!lib) {
      out.push(frames[i]!.at);
      i++;
      continue;
    }
    let j = i;
    while (j < frames.length && frames[j]!.lib === lib) j++;
    out.push(j - i > 1 ? `[${lib}: ${frames[i]!.at} +${j - i - 1} more]` : `[${lib}: ${frames[i]!.at}]`);
    i = j;
  }
  return out;
}

function holderCulprit(h: PythonHolder): Culprit {
  const name = h.path.at(-1) ?? h.holder;
  const via = h.path.slice(0, -1).reverse();
  const holder = `${h.type} (${name})`;
  const holds = h.bytesDelta ? `, ~${formatBytes(h.bytesDelta).slice(1)} in its new entries` : '';
  const full = h.full !== undefined ? `; full at maxlen ${groupThousands(h.full)}: bounded, not growing` : '';
  return {
    kind: 'holder',
    path: [...h.path, h.type].join(' → '),
    holder,
    // sys.getsizeof: the container itself; what its new entries hold is the estimate beside it.
    retainedBytes: h.sizeBytes,
    retainedDeltaBytes: h.bytesDelta ?? 0,
    countDelta: h.countDelta,
    newObjects: h.countDelta,
    text: `${holder}${via.length > 0 ? ` ← ${via.join(' ← ')}` : ''}: +${groupThousands(h.countDelta)} entries (len ${groupThousands(h.len)}, ${formatBytes(h.sizeBytes).slice(1)} itself${holds})${full}`,
  };
}

/**
 * Growing holders first, the most bytes gained first (the agent ranks so too; older look files
 * are re-ranked here); full ones (a deque at its maxlen) last.
 */
function rankHolders(holders: PythonHolder[]): PythonHolder[] {
  return [...holders].sort((a, b) => Number(a.full !== undefined) - Number(b.full !== undefined) || (b.bytesDelta ?? 0) - (a.bytesDelta ?? 0));
}

/** A traceback of one library frame was cut by the depth before it reached the user's code. */
const SHALLOW_HINT = ' (the traceback stops in the library: `python: { depth: 8 }` shows the caller)';

function siteCulprit(s: PythonSite): Culprit {
  const traceback = collapseFrames(s.frames);
  const shallow = s.frames.length === 1 && s.frames[0]!.lib !== null;
  const shown = shallow ? [] : traceback.filter((f) => f !== s.site).slice(0, TEXT_FRAMES);
  return {
    kind: 'allocation',
    path: traceback.join(' ← '),
    holder: s.site,
    retainedBytes: s.size,
    retainedDeltaBytes: s.sizeDelta,
    countDelta: s.countDelta,
    newObjects: s.countDelta,
    location: s.site,
    ...(s.code ? { code: s.code } : {}),
    traceback: s.frames.map((f) => (f.lib ? `${f.at} [${f.lib}]` : f.at)),
    text:
      `${s.site}${shallow ? ` [${s.frames[0]!.lib}]` : ''}${s.code ? ` \`${s.code}\`` : ''}: ${s.heldBy ? `~${formatBytes(s.sizeDelta)} in +${groupThousands(s.countDelta)} entries of ${s.heldBy}` : `${formatBytes(s.sizeDelta)} in ${s.countDelta >= 0 ? '+' : ''}${groupThousands(s.countDelta)} blocks`}` +
      (shown.length > 0 ? ` ← ${shown.join(' ← ')}` : '') +
      (shallow ? SHALLOW_HINT : ''),
  };
}

/** Holders and sites interleaved, the biggest of each first: the summary shows the first three. */
export function pythonCulprits(sites: PythonSite[], holders: PythonHolder[], top = 6): Culprit[] {
  const s = sites.filter((site) => site.sizeDelta >= MIN_SITE_BYTES).map(siteCulprit);
  const h = rankHolders(holders).map(holderCulprit);
  const out: Culprit[] = [];
  for (let i = 0; out.length < top && (i < s.length || i < h.length); i++) {
    if (h[i]) out.push(h[i]!);
    if (s[i] && out.length < top) out.push(s[i]!);
  }
  return out;
}

/** The sites as the report's snapshot-diff rows (name, count and size deltas). */
function pythonRows(sites: PythonSite[]): GrowthRow[] {
  return sites.map((s) => ({ name: s.code ? `${s.site} ${s.code}` : s.site, countDelta: s.countDelta, sizeDelta: s.sizeDelta, countAfter: s.count, sizeAfter: s.size }));
}

/**
 * The culprits of a look file (the JSON the Python runtime writes): its `growth` is what the
 * agent saw grow since the look before it.
 */
export function lookDiff(text: string): { rows: GrowthRow[]; culprits: Culprit[]; culpritError?: string } {
  let look: { format?: string; growth?: { sites?: PythonSite[]; holders?: PythonHolder[]; note?: string } };
  try {
    look = JSON.parse(text) as typeof look;
  } catch (err) {
    return { rows: [], culprits: [], culpritError: `the Python look is not JSON: ${(err as Error).message}` };
  }
  const sites = look.growth?.sites ?? [];
  const holders = look.growth?.holders ?? [];
  if (sites.length === 0 && holders.length === 0) {
    const note = look.growth?.note;
    return { rows: [], culprits: [], culpritError: `the Python agent saw no growth between its two looks${note ? ` (${note})` : ''}` };
  }
  return { rows: pythonRows(sites), culprits: pythonCulprits(sites, holders) };
}
