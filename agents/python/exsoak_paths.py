"""How exsoak's Python agent names the holder of a growing container: the referrer path a reader
recognises (`Client.seen`, `local client in main() (client.py:45)`, `module feed.CACHE`).
Standard library only; part of the agent (exsoak_agent.py), never imported by the user's code.
"""

import collections
import os
import sys
import threading
import types

_AGENT_DIR = os.path.dirname(os.path.abspath(__file__))


def is_agent_file(filename):
    """A frame or allocation of the agent's own modules (its census, its replies)."""
    return os.path.dirname(os.path.abspath(filename)) == _AGENT_DIR if filename else False


def referrer_rank(obj, modules):
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


def pick(candidates, modules, child):
    best = None
    best_rank = 99
    for obj in candidates:
        if isinstance(obj, types.FrameType) and is_agent_file(obj.f_code.co_filename):
            continue
        rank = referrer_rank(obj, modules)
        if isinstance(obj, types.FrameType) and local_name(obj, child).startswith(("local self ", "local cls ")):
            rank = 3.5  # a method's own `self` says less than the caller that holds the object
        if rank < best_rank:
            best, best_rank = obj, rank
    return best


def label(holder, child, modules):
    """How `holder` refers to `child`: (label, whether the walk ends here)."""
    if type(holder) is dict and id(holder) in modules:
        if modules[id(holder)].startswith("exsoak_"):
            return None, True
        return "%s.%s" % (modules[id(holder)], _key_of(holder, child)), True
    if isinstance(holder, types.FrameType):
        return local_name(holder, child), True
    if isinstance(holder, (types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType)):
        frame = getattr(holder, "cr_frame", None) or getattr(holder, "gi_frame", None) or getattr(holder, "ag_frame", None)
        return (local_name(frame, child) if frame is not None else "%s()" % holder.__qualname__), True
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
        name = _key_of(vars(holder), child, None)
    except TypeError:
        pass
    if name is None:
        for cls in type(holder).__mro__:
            for slot in getattr(cls, "__slots__", ()) or ():
                if getattr(holder, slot, None) is child:
                    name = slot
    return ("%s.%s" % (type(holder).__qualname__, name) if name else type(holder).__qualname__), False


def _key_of(mapping, value, missing="?"):
    """The key under which `mapping` holds `value` (the first 100,000 entries looked at)."""
    for count, (key, item) in enumerate(mapping.items()):
        if item is value:
            return key
        if count > 100000:
            break
    return missing


def running_locals():
    """Values of the local variables of every thread's running frames but the agent's."""
    values = []
    agent = threading.get_ident()
    for ident, frame in sys._current_frames().items():
        while frame is not None and ident != agent:
            values.extend(frame_locals(frame).values())
            frame = frame.f_back
    return values


def frame_locals(frame):
    try:
        return frame.f_locals
    except Exception:
        return {}


def local_name(frame, value):
    try:
        name = _key_of(frame_locals(frame), value)
    except Exception:
        name = "?"
    code = frame.f_code
    return "local %s in %s() (%s:%d)" % (name, getattr(code, "co_qualname", code.co_name), os.path.basename(code.co_filename), frame.f_lineno)


def merge(steps, type_name):
    """['Client.__dict__', "['seen']"] (an instance, then its __dict__) reads 'Client.seen'."""
    merged = []
    for step in steps:
        if merged and merged[-1].endswith(".__dict__") and step.startswith("['") and step.endswith("']"):
            merged[-1] = merged[-1][: -len("__dict__")] + step[2:-2]
        else:
            merged.append(step)
    return merged or [type_name]
