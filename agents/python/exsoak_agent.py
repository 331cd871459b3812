"""exsoak's in-process agent for `python: true` process probes (standard library only, CPython >= 3.9).

Loaded by sitecustomize.py before the user's code. It starts tracemalloc and serves exsoak's
supervisor on a Unix socket the supervisor made in a 0700 folder (nothing on the network). One
JSON object per line each way; every request is answered, an error included, and nothing is
ever raised into, printed by or signalled to the user's program.

Requests (`{"id": N, "op": ...}`):
  usage     traced memory now (no GC): cheap, every sample
  floor     gc.collect(), then traced memory: the heap floor the leak trend runs on
  snapshot  a tracemalloc snapshot kept here; the one before it is kept for `diff` (only with
            `python: { snapshots: true }`: the copy of every trace stops the program)
  diff      the last two snapshots compared, grouped by traceback and named by the user's line
  holders   containers whose len() grew since the previous `holders`, with who holds them and
            where their newest entries were allocated (tracemalloc's record of each object)

gc.collect(), take_snapshot(), gc.get_objects() and gc.get_referrers() hold the GIL for their whole
run: every reply says how long the longest paused the program (`pauseMs`), so the cost is reported.
"""

import collections
import gc
import itertools
import json
import os
import socket
import sys
import sysconfig
import threading
import time
import tracemalloc
import types

import exsoak_paths as paths

# The supervisor always passes the depth (python: { depth }); this is for a caller that does not.
DEFAULT_DEPTH = 1
# Containers smaller than this at the first look are not remembered (bounds the census's memory);
# one that was not remembered counts as new at the second look if it has at least MIN_NEW entries.
CENSUS_MIN_LEN = 16
MIN_NEW = 500
MIN_GROWTH = 100
# The referrer walk: at most this many holders named, this many hops each (one GIL-holding heap
# scan per hop).
MAX_HOLDERS = 3
MAX_HOPS = 6
TOP_SITES = 8
# Entries sampled (the newest) to estimate what a holder's growth holds in bytes.
ENTRY_SAMPLE = 32

_CONTAINERS = (dict, list, set, frozenset, collections.deque, bytearray)
_LIB_DIRS = sorted(
    {os.path.abspath(p) for p in (sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")) if p},
    key=len,
    reverse=True,
)

_state = {"sock": None, "thread": None, "child": False}


def start(channel, depth):
    """Starts tracing now (before the user's imports) and serves `channel` from a daemon thread."""
    if not tracemalloc.is_tracing():
        tracemalloc.start(depth if depth > 0 else DEFAULT_DEPTH)
    os.register_at_fork(after_in_child=_after_fork_in_child)
    thread = threading.Thread(target=_serve, args=(channel,), name="exsoak-agent", daemon=True)
    _state["thread"] = thread
    thread.start()


def _after_fork_in_child():
    # The child is not the probe's program: it must not answer on (or close) the parent's
    # connection, and it should not pay for tracing it will never be asked about.
    _state["child"] = True
    sock = _state["sock"]
    _state["sock"] = None
    if sock is not None:
        try:
            # detach + os.close drops only this process's descriptor; shutdown() would end the
            # parent's connection too.
            os.close(sock.detach())
        except Exception:
            pass
    try:
        tracemalloc.stop()
    except Exception:
        pass


def _serve(channel):
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(channel)
        sock.settimeout(None)
    except Exception:
        return  # the supervisor reports "never connected"
    _state["sock"] = sock
    agent = _Agent()
    try:
        sock.sendall(_line({"hello": {"pid": os.getpid(), "python": sys.version.split()[0], "depth": tracemalloc.get_traceback_limit()}}))
        reader = sock.makefile("rb")
        for raw in reader:
            if _state["child"]:
                return
            reply = agent.handle(raw)
            if _state["sock"] is not sock:
                return
            sock.sendall(_line(reply))
    except Exception:
        pass  # the supervisor went away: the program carries on untraced by anyone


def _line(obj):
    return (json.dumps(obj, separators=(",", ":"), default=str) + "\n").encode()


class _Pauses:
    """The longest single GIL-holding call of one request, in ms."""

    def __init__(self):
        self.max = 0.0

    def run(self, fn, *args):
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.max = max(self.max, (time.perf_counter() - t0) * 1000)


class _Agent:
    def __init__(self):
        self.previous = None
        self.current = None
        self.census = None
        self.cwd = os.getcwd()

    def handle(self, raw):
        req_id = None
        t0 = time.perf_counter()
        pauses = _Pauses()
        try:
            req = json.loads(raw)
            req_id = req.get("id")
            op = req.get("op")
            if not tracemalloc.is_tracing():
                raise RuntimeError("tracemalloc is not tracing (stopped by the program?)")
            if op == "usage":
                traced, peak = tracemalloc.get_traced_memory()
                result = {"traced": traced, "peak": peak}
            elif op == "floor":
                pauses.run(gc.collect)
                traced, peak = tracemalloc.get_traced_memory()
                result = {"floor": traced, "peak": peak, "tracemalloc": tracemalloc.get_tracemalloc_memory()}
            elif op == "snapshot":
                result = self.snapshot(pauses)
            elif op == "diff":
                result = self.diff(int(req.get("top") or TOP_SITES))
            elif op == "holders":
                result = self.holders(pauses)
            else:
                raise ValueError("unknown op %r" % (op,))
            result.update(ok=True)
        except Exception as err:
            result = {"ok": False, "error": "%s: %s" % (type(err).__name__, err)}
        result.update(id=req_id, ms=round((time.perf_counter() - t0) * 1000, 2), pauseMs=round(pauses.max, 2))
        return result

    # --- allocation sites -------------------------------------------------------------------

    def snapshot(self, pauses):
        snap = pauses.run(tracemalloc.take_snapshot)
        self.previous, self.current = self.current, snap
        traced, _ = tracemalloc.get_traced_memory()
        top = [self.site(s.traceback, s.size, s.count, s.size, s.count) for s in snap.statistics("traceback")[: TOP_SITES * 2] if not _own(s.traceback)]
        return {"traced": traced, "traces": len(snap.traces), "top": top[:TOP_SITES]}

    def diff(self, top):
        if self.previous is None or self.current is None:
            return {"sites": [], "note": "one snapshot so far: nothing to compare yet"}
        grouped = {}
        for stat in self.current.compare_to(self.previous, "traceback"):
            # The agent's own allocations (its census, its replies) are not the program's; they are
            # dropped per group rather than per trace, which would cost a pass over every trace.
            if stat.size_diff <= 0 or _own(stat.traceback):
                continue
            site = self.site(stat.traceback, stat.size_diff, stat.count_diff, stat.size, stat.count)
            # Tracebacks that differ only below the user's line are one site to a reader.
            key = (site["site"], tuple(f["at"] for f in site["frames"] if not f["lib"])[:3])
            held = grouped.get(key)
            if held is None:
                grouped[key] = site
            else:
                for field in ("sizeDelta", "countDelta", "size", "count"):
                    held[field] += site[field]
        sites = sorted(grouped.values(), key=lambda s: s["sizeDelta"], reverse=True)[:top]
        return {"sites": sites}

    def site(self, traceback, size_delta, count_delta, size, count):
        recent_first = list(traceback)[::-1]
        frames = [{"at": "%s:%d" % (self.short(f.filename), f.lineno), "lib": self.library(f.filename)} for f in recent_first]
        # The line a reader owns: the most recent frame outside the standard library and site-packages.
        at = next((i for i, f in enumerate(frames) if not f["lib"]), 0)
        code = _source_line(recent_first[at].filename, recent_first[at].lineno) if recent_first else ""
        return {
            "site": frames[at]["at"] if frames else "?",
            "code": code,
            "sizeDelta": size_delta,
            "countDelta": count_delta,
            "size": size,
            "count": count,
            "frames": frames,
        }

    def library(self, filename):
        """'site-packages', 'stdlib' or None (the user's own code)."""
        if filename.startswith("<"):
            return "stdlib"  # <frozen importlib._bootstrap> and friends
        path = os.path.abspath(filename)
        if "site-packages" in path or "dist-packages" in path:
            return "site-packages"
        if any(path.startswith(d + os.sep) for d in _LIB_DIRS):
            return "stdlib"
        return None

    def short(self, filename):
        if filename.startswith(self.cwd + os.sep):
            return filename[len(self.cwd) + 1 :]
        for marker in ("site-packages" + os.sep, "dist-packages" + os.sep):
            at = filename.find(marker)
            if at >= 0:
                return filename[at + len(marker) :]
        for d in _LIB_DIRS:
            if filename.startswith(d + os.sep):
                return filename[len(d) + 1 :]
        return filename

    # --- holders ----------------------------------------------------------------------------

    def holders(self, pauses):
        census = self.take_census(pauses)
        previous, self.census = self.census, census
        if previous is None:
            return {"holders": [], "tracked": len(census), "note": "first look: lengths recorded"}
        grown = []
        for key, (length, kind) in census.items():
            before = previous.get(key)
            if before is not None and before[1] == kind:
                delta = length - before[0]
            elif length >= MIN_NEW:
                delta = length  # not remembered at the first look: everything counts as new
            else:
                continue
            if delta >= MIN_GROWTH:
                grown.append((delta, key, length))
        grown.sort(reverse=True)
        del census, previous
        candidates = grown[: MAX_HOLDERS * 3]
        by_id = self.objects_by_id({key for _, key, _ in candidates}, pauses)
        # Ranked by the bytes the new entries hold, not their number: a cache of many small
        # entries that filled up must not outrank the list of big messages that keeps growing.
        # A deque at its maxlen is full, not growing: it is named last, marked as such.
        ranked = []
        for delta, key, length in candidates:
            obj = by_id.get(key)
            if obj is not None:
                per_entry = _entry_bytes(obj, *_newest(obj))
                full = isinstance(obj, collections.deque) and obj.maxlen is not None and length >= obj.maxlen
                ranked.append((full, -delta * per_entry, delta, length, per_entry, key))
        ranked.sort(key=lambda r: r[:2])
        named = []
        for full, _, delta, length, per_entry, key in ranked:
            # Looked up by id, so the ranking itself is no referrer of the holder.
            obj = by_id[key]
            steps = self.referrer_path(obj, pauses, {id(by_id)})
            if steps is None:
                continue  # the agent's own bookkeeping
            holder = {
                "holder": steps[-1] if steps else type(obj).__name__,
                "type": type(obj).__name__,
                "path": steps,
                "countDelta": delta,
                "len": length,
                "sizeBytes": sys.getsizeof(obj),
                "bytesDelta": int(delta * per_entry),
            }
            if full:
                holder["full"] = obj.maxlen
            # A full deque is bounded: where its entries were allocated is no growth to point at.
            holder["sites"] = [] if full else self.entry_sites(obj, delta, holder["bytesDelta"], "%s (%s)" % (holder["type"], holder["holder"]))
            named.append(holder)
            if len(named) >= MAX_HOLDERS:
                break
        del ranked
        obj = None
        del by_id
        return {"holders": named}

    def entry_sites(self, container, count_delta, bytes_delta, held_by):
        """Where the newest entries of a grown container were allocated: tracemalloc keeps each
        object's traceback, so a few lookups say it without a snapshot (which would stop the
        program for the copy of every trace). The growth is shared out by the entries' sites."""
        values, _ = _newest(container)
        groups = {}
        for entry in values:
            traceback = tracemalloc.get_object_traceback(entry)
            if traceback is None or _own(traceback):
                continue  # not traced (made before tracing began, or a cached int/str)
            key = tuple((f.filename, f.lineno) for f in traceback)
            groups.setdefault(key, [traceback, 0])[1] += 1
        sites = []
        for traceback, hits in groups.values():
            share = hits / len(values)
            size, count = int(bytes_delta * share), int(count_delta * share)
            site = self.site(traceback, size, count, size, count)
            site["heldBy"] = held_by
            sites.append(site)
        return sites

    def take_census(self, pauses):
        """id -> (len, type name) of every container with CENSUS_MIN_LEN+ entries."""
        census = {}
        # Locals of running functions (`seen = {}` in main()) are invisible to the GC's lists.
        objects = pauses.run(gc.get_objects) + paths.running_locals()
        mine = {id(self.census), id(census), id(objects)}
        try:
            for start in range(0, len(objects), 2000):
                chunk = objects[start : start + 2000]
                # Untracked dicts (only str/int keys and values: a common leak) are not in
                # gc.get_objects(); they are found as what tracked objects refer to.
                for obj in list(chunk) + [r for r in pauses.run(gc.get_referents, *chunk) if type(r) is dict and not gc.is_tracked(r)]:
                    if isinstance(obj, _CONTAINERS) and id(obj) not in mine:
                        try:
                            length = len(obj)
                        except Exception:
                            continue
                        if length >= CENSUS_MIN_LEN:
                            census[id(obj)] = (length, type(obj).__name__)
                del chunk
                time.sleep(0)  # let the program's threads run between chunks
        finally:
            del objects
        return census

    def objects_by_id(self, keys, pauses):
        found = {}
        if not keys:
            return found
        objects = pauses.run(gc.get_objects) + paths.running_locals()
        for start in range(0, len(objects), 2000):
            chunk = objects[start : start + 2000]
            for obj in list(chunk) + [r for r in pauses.run(gc.get_referents, *chunk) if type(r) is dict]:
                if id(obj) in keys and isinstance(obj, _CONTAINERS):
                    found[id(obj)] = obj
            del chunk  # a list that refers to the holders would show up as one of their referrers
            time.sleep(0)
        del objects
        return found

    def referrer_path(self, target, pauses, ignore):
        """Root-most first, e.g. ['local client in main()', 'Client.seen']; None for the agent's own."""
        modules = {id(m.__dict__): name for name, m in list(sys.modules.items()) if isinstance(m, types.ModuleType) and hasattr(m, "__dict__")}
        if id(target) in modules:
            return ["module %s globals" % modules[id(target)]]
        # A running function's locals are not seen by the referrer scan (its frame does not
        # report them to the GC): the threads' stacks are searched for them directly.
        me = sys._getframe()
        agent = threading.get_ident()
        stacks = []
        for ident, frame in sys._current_frames().items():
            while frame is not None and ident != agent:
                stacks.append(frame)
                frame = frame.f_back
        steps = []
        cur = target
        seen = {id(target)}
        for _ in range(MAX_HOPS):
            referrers = pauses.run(gc.get_referrers, cur)
            candidates = [r for r in referrers if id(r) not in seen and id(r) not in ignore and r is not me and r is not referrers and r is not stacks]
            candidates += [f for f in stacks if any(v is cur for v in paths.frame_locals(f).values())]
            del referrers
            if any(r is self.__dict__ or r is self or r is _state for r in candidates):
                return None
            picked = paths.pick(candidates, modules, cur)
            del candidates
            if picked is None:
                break
            label, terminal = paths.label(picked, cur, modules)
            if label is None:
                return None
            if label:
                steps.append(label)
            if terminal:
                break
            seen.add(id(picked))
            cur = picked
        del stacks, me
        steps.reverse()
        return paths.merge(steps, type(target).__name__)


_SOURCES = {}


def _source_line(filename, lineno):
    # Not linecache: its module-global cache would grow with every file the agent reads and show
    # up as a growing container of the program's.
    lines = _SOURCES.get(filename)
    if lines is None:
        try:
            with open(filename, "rb") as f:
                lines = [raw.decode("utf-8", "replace").strip()[:160] for raw in f]
        except OSError:
            lines = []
        if len(_SOURCES) < 64:
            _SOURCES[filename] = lines
    return lines[lineno - 1] if 0 < lineno <= len(lines) else ""


def _newest(container):
    """The newest entries (up to ENTRY_SAMPLE) as (values, keys): a dict's values and keys, else its items."""
    try:
        if isinstance(container, dict):
            items = list(itertools.islice(reversed(container.items()), ENTRY_SAMPLE))
            return [v for _, v in items], [k for k, _ in items]
        if isinstance(container, (list, collections.deque)):
            return list(itertools.islice(reversed(container), ENTRY_SAMPLE)), []
        if isinstance(container, (set, frozenset)):
            return list(itertools.islice(container, ENTRY_SAMPLE)), []
    except Exception:
        pass  # mutated by another thread meanwhile, or a subclass whose iteration raises
    return [], []  # a bytearray: its entries are bytes


def _entry_bytes(container, values, keys):
    """Mean size of the newest entries, one level deep: an estimate to rank by."""
    try:
        if not values:
            return 1.0
        total = 0
        for entry in values + keys:
            total += sys.getsizeof(entry)
            if not isinstance(entry, (str, bytes, int, float)):
                total += sum(sys.getsizeof(r) for r in gc.get_referents(entry) if not isinstance(r, type))
        # The container's own slot per entry (a dict's hash-table entry, a list's pointer).
        return total / len(values) + (sys.getsizeof(container) / max(1, len(container)))
    except Exception:
        return 1.0


def _own(traceback):
    return any(f.filename == "<unknown>" or paths.is_agent_file(f.filename) for f in traceback)
