# exsoak's Python agent loader. exsoak puts this folder first on PYTHONPATH for a `python: true`
# process probe, so `site` imports this file before the user's code runs. It starts the agent
# (exsoak_agent.py) and then runs the user's own sitecustomize, if one is further down sys.path,
# exactly as `site` would have.
#
# Written for any Python 3: an old interpreter must still get far enough to tell exsoak why it
# is not supported, instead of failing on syntax it does not know.
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _restore_pythonpath():
    # Programs this one starts (subprocess, multiprocessing spawn) get the user's own PYTHONPATH:
    # the agent is for the probe's program, not for everything it runs.
    original = os.environ.pop("EXSOAK_PY_PYTHONPATH", None)
    if original is None:
        return
    if original == "":
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = original


def _start_agent():
    channel = os.environ.pop("EXSOAK_PY_AGENT", None)
    depth = os.environ.pop("EXSOAK_PY_DEPTH", "")
    _restore_pythonpath()
    if not channel:
        return
    unsupported = None
    if sys.version_info < (3, 9):
        unsupported = "Python %d.%d is older than 3.9" % sys.version_info[:2]
    elif sys.implementation.name != "cpython":
        unsupported = "not CPython (%s)" % sys.implementation.name
    if unsupported:
        _say_unsupported(channel, unsupported)
        return
    import exsoak_agent

    exsoak_agent.start(channel, int(depth) if depth.isdigit() else 0)


def _say_unsupported(channel, why):
    # One line on the channel so the verdict names the reason; nothing else is attempted.
    try:
        import json
        import socket

        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(channel)
        s.sendall((json.dumps({"hello": {"pid": os.getpid(), "unsupported": why}}) + "\n").encode())
        s.close()
    except Exception:
        pass


def _chain_user_sitecustomize():
    # The next sitecustomize on sys.path after this folder is the one `site` would have run.
    try:
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec
    except Exception:
        return
    here = [i for i, entry in enumerate(sys.path) if os.path.abspath(entry or ".") == _HERE]
    rest = [e for e in sys.path[here[0] + 1 :] if os.path.abspath(e or ".") != _HERE] if here else []
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    # Its own errors surface as they would without exsoak (`site` reports them).
    spec.loader.exec_module(module)


try:
    _start_agent()
except Exception:
    # The agent never raises into the user's program: without it the probe is measured from outside.
    pass

_chain_user_sitecustomize()
