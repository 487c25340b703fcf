"""Helpers shared by the Brian2 C++ standalone reference scripts in this directory."""
import contextlib
import os
import sys


@contextlib.contextmanager
def stdout_to_stderr():
    """Send file descriptor 1 to 2 (child processes included) for the duration, so that the
    compiler's and make's output never mixes with a script's JSON on stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def read_float(path):
    """The first number in a file, or None if the file is missing or holds no number."""
    try:
        with open(path) as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
