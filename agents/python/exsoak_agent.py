"""exsoak's in-process agent for `python: true` process probes (standard library only, CPython >= 3.9).

Loaded by sitecustomize.py before the user's code. It starts tracemalloc and serves exsoak's
supervisor on a Unix socket the supervisor made in a 0700 folder (nothing on the network). One
JSON object per line each way; every request is answered, an error included, and nothing is
ever raised into, printed by or signalled to the user's program.

Requests (`{"id": N, "op": ...}`):
  usage     traced memory now (no GC): cheap, every sample
  floor     gc.collect(), then traced memory: the heap floor the leak trend runs on
  snapshot  a tracemalloc snapshot kept here; the one before it is kept for `diff`
  diff      the last two snapshots compared, grouped by traceback and named by the user's line
  holders   containers whose len() grew since the previous `holders`, with who holds them

gc.collect(), take_snapshot(), gc.get_objects() and gc.get_referrers() hold the GIL for their whole
run: every reply says how long the longest paused the program (`pauseMs`), so the cost is reported.
"""

import collections
import gc
import json
import os
import socket
import sys
import sysconfig
import threading
import time
import tracemalloc
import types

# Deep enough to reach the user's line under json.loads, asyncio or a client library, and no deeper:
# tracemalloc's cost per allocation grows with the frames it records (npm run bench -- --suite python).
DEFAULT_DEPTH = 8
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

_CONTAINERS = (dict, list, set, frozenset, collections.deque, bytearray)
_THIS_FILE = os.path.abspath(__file__)
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
        named = []
        by_id = self.objects_by_id({key for _, key, _ in grown[: MAX_HOLDERS * 3]}, pauses)
        for delta, key, length in grown[: MAX_HOLDERS * 3]:
            obj = by_id.get(key)
            if obj is None:
                continue
            steps = self.referrer_path(obj, pauses, {id(by_id)})
            if steps is None:
                continue  # the agent's own bookkeeping
            named.append(
                {
                    "holder": steps[-1] if steps else type(obj).__name__,
                    "type": type(obj).__name__,
                    "path": steps,
                    "countDelta": delta,
                    "len": length,
                    "sizeBytes": sys.getsizeof(obj),
                }
            )
            if len(named) >= MAX_HOLDERS:
                break
        del by_id
        return {"holders": named}

    def take_census(self, pauses):
        """id -> (len, type name) of every container with CENSUS_MIN_LEN+ entries."""
        census = {}
        # Locals of running functions (`seen = {}` in main()) are invisible to the GC's lists.
        objects = pauses.run(gc.get_objects) + _running_locals()
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
        objects = pauses.run(gc.get_objects) + _running_locals()
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
            candidates += [f for f in stacks if any(v is cur for v in _locals(f).values())]
            del referrers
            if any(r is self.__dict__ or r is self or r is _state for r in candidates):
                return None
            picked = _pick(candidates, modules, cur)
            del candidates
            if picked is None:
                break
            label, terminal = _label(picked, cur, modules)
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
        return _merge(steps, type(target).__name__)


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


def _own(traceback):
    return any(f.filename == _THIS_FILE or f.filename == "<unknown>" for f in traceback)


def _rank(obj, modules):
    if type(obj) is dict and id(obj) in modules:
        return 0
    if isinstance(obj, (types.FrameType, types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType)):
        return 1
    if isinstance(obj, type):
        return 2
    if isinstance(obj, dict):
        return 3
    if not isinstance(obj, (list, tuple, set, frozenset, collections.deque, types.FunctionType, types.CellType)):
        return 3  # an instance of the user's class
    return 4


def _pick(candidates, modules, child):
    best = None
    best_rank = 99
    for obj in candidates:
        if isinstance(obj, types.FrameType) and obj.f_code.co_filename == _THIS_FILE:
            continue
        rank = _rank(obj, modules)
        if isinstance(obj, types.FrameType) and _local(obj, child).startswith(("local self ", "local cls ")):
            rank = 3.5  # a method's own `self` says less than the caller that holds the object
        if rank < best_rank:
            best, best_rank = obj, rank
    return best


def _label(holder, child, modules):
    """How `holder` refers to `child`: (label, whether the walk ends here)."""
    if type(holder) is dict and id(holder) in modules:
        if modules[id(holder)] == __name__:
            return None, True
        return "%s.%s" % (modules[id(holder)], _key_of(holder, child)), True
    if isinstance(holder, types.FrameType):
        return _local(holder, child), True
    if isinstance(holder, (types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType)):
        frame = getattr(holder, "cr_frame", None) or getattr(holder, "gi_frame", None) or getattr(holder, "ag_frame", None)
        return (_local(frame, child) if frame is not None else "%s()" % holder.__qualname__), True
    if isinstance(holder, dict):
        return "[%r]" % (_key_of(holder, child),), False
    if isinstance(holder, type):
        return "%s.__dict__" % holder.__qualname__, True
    if isinstance(holder, (list, tuple, collections.deque)):
        return "[]", False
    if isinstance(holder, (set, frozenset)):
        return "{}", False
    if isinstance(holder, types.CellType):
        return "(closure)", False
    if isinstance(holder, types.FunctionType):
        return "%s (closure)" % holder.__qualname__, True
    # An instance: name the attribute (inline values in 3.11+, a __dict__, or __slots__).
    name = None
    try:
        if vars(holder) is child:
            return "%s.__dict__" % type(holder).__qualname__, False
        for key, value in vars(holder).items():
            if value is child:
                name = key
                break
    except TypeError:
        pass
    if name is None:
        for cls in type(holder).__mro__:
            for slot in getattr(cls, "__slots__", ()) or ():
                if getattr(holder, slot, None) is child:
                    name = slot
    return ("%s.%s" % (type(holder).__qualname__, name) if name else type(holder).__qualname__), False


def _key_of(mapping, value):
    for count, (key, item) in enumerate(mapping.items()):
        if item is value:
            return key
        if count > 100000:
            break
    return "?"


def _running_locals():
    """Values of the local variables of every thread's running frames but the agent's."""
    values = []
    agent = threading.get_ident()
    for ident, frame in sys._current_frames().items():
        while frame is not None and ident != agent:
            values.extend(_locals(frame).values())
            frame = frame.f_back
    return values


def _locals(frame):
    try:
        return frame.f_locals
    except Exception:
        return {}


def _local(frame, value):
    name = "?"
    try:
        for key, item in _locals(frame).items():
            if item is value:
                name = key
                break
    except Exception:
        pass
    code = frame.f_code
    return "local %s in %s() (%s:%d)" % (name, getattr(code, "co_qualname", code.co_name), os.path.basename(code.co_filename), frame.f_lineno)


def _merge(steps, type_name):
    """['Client.__dict__', "['seen']"] (an instance, then its __dict__) reads 'Client.seen'."""
    merged = []
    for step in steps:
        if merged and merged[-1].endswith(".__dict__") and step.startswith("['") and step.endswith("']"):
            merged[-1] = merged[-1][: -len("__dict__")] + step[2:-2]
        else:
            merged.append(step)
    return merged or [type_name]
