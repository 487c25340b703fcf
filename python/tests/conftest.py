"""Shared fixtures: the source tree and the ionspike command line of this build.

ctest passes IONSPIKE_CLI (the built `ionspike`) and IONSPIKE_SOURCE_DIR; run by hand:
  IONSPIKE_CLI=build/ionspike PYTHONPATH=build/python:build/python/pynn_overlay \
      /usr/bin/python3 -m pytest python/tests
"""
import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("IONSPIKE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("IONSPIKE_CLI", str(SOURCE_DIR / "build" / "ionspike"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"the ionspike command line is not at {path} (set IONSPIKE_CLI)")
    return path
