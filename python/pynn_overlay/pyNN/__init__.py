"""Overlay that makes the ionspike backend importable as ``pyNN.ionspike`` from the build tree
without installing anything into Debian's PyNN (docs/pynn.md).

With ``PYTHONPATH=build/python:build/python/pynn_overlay``, ``import pyNN`` finds this file
first. It puts the real PyNN package (the next ``pyNN`` directory on sys.path, e.g.
/usr/lib/python3/dist-packages/pyNN) after this directory on ``pyNN.__path__`` and runs the
real ``pyNN/__init__.py`` in this module, so ``pyNN.common``, ``pyNN.brian2``, ... come from
PyNN and ``pyNN.ionspike`` from here. Installed with ``cmake --install``, the backend goes
into PyNN's own directory and this overlay is not used.
"""
import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_real = None
for _entry in _sys.path:
    _candidate = _os.path.join(_os.path.abspath(_entry or _os.getcwd()), "pyNN")
    if _os.path.abspath(_candidate) != _here and _os.path.isfile(_os.path.join(_candidate, "__init__.py")):
        _real = _candidate
        break
if _real is None:
    raise ImportError("pyNN overlay of ionspike: PyNN itself is not on sys.path "
                      "(Debian: apt-get install python3-pynn; use /usr/bin/python3)")
__path__.append(_real)
with open(_os.path.join(_real, "__init__.py"), encoding="utf-8") as _f:
    exec(compile(_f.read(), _os.path.join(_real, "__init__.py"), "exec"))
