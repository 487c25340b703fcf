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


def fresh_standalone_device(dt_ms, seed, time_bin, rss_file):
    """A fresh C++ standalone device for one build (several builds may happen in one process),
    single-threaded, running ./main under `time_bin` (if present) so that its peak RSS lands in
    `rss_file`; clock step dt_ms, seed `seed`. Uses the real device object, not the b2.device
    proxy: attributes assigned through the proxy stick to it and survive reinit()."""
    import brian2 as b2
    b2.set_device('cpp_standalone', build_on_run=False)
    dev = b2.get_device()
    dev.reinit()
    dev.activate(build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    if os.path.exists(time_bin):
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [time_bin, '-f', '%M', '-o', rss_file, './main']
    else:
        b2.prefs.devices.cpp_standalone.run_cmd_unix = './main'
    b2.defaultclock.dt = dt_ms * b2.ms
    b2.seed(seed)
    return dev


def time_network_run(dev, run_wall_file):
    """Makes the generated main() write the wall time of the network run proper (the
    simulation loop, without start-up, connection and result writing) into run_wall_file.
    Call before net.run(), which copies the code slots into the generated code."""
    dev.headers.extend(h for h in ('<chrono>', '<cstdio>') if h not in dev.headers)
    dev.insert_code('before_network_run',
                    'const auto _bench_t0 = std::chrono::steady_clock::now();')
    dev.insert_code('after_network_run', f'''{{
        const double _bench_wall = std::chrono::duration<double>(
            std::chrono::steady_clock::now() - _bench_t0).count();
        FILE* _bench_f = std::fopen("{run_wall_file}", "w");
        if (_bench_f) {{ std::fprintf(_bench_f, "%.9f\\n", _bench_wall); std::fclose(_bench_f); }}
    }}''')


def run_binary(build_dir, run_wall_file, rss_file):
    """Runs a built standalone project once (stale result files removed first); returns the
    wall time of the network run (time_network_run) and the peak RSS in KiB (None where not
    measured)."""
    import brian2 as b2
    for name in (run_wall_file, rss_file):
        path = os.path.join(build_dir, name)
        if os.path.exists(path):
            os.remove(path)
    b2.get_device().run(build_dir, with_output=False, run_args=[])
    return read_float(os.path.join(build_dir, run_wall_file)), read_float(os.path.join(build_dir, rss_file))
