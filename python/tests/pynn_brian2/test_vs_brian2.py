"""pyNN.ionspike against pyNN.brian2 (Debian's python3-brian) on the same PyNN scripts:
single neurons of every standard cell type driven by i_offset (this checks the parameter and
unit translations: nA, nF, uS, the HH membrane, Izhikevich's current), and the
Vogels-Abbott benchmarks (python/tests/pynn/check_va_rates.py). Brian2 integrates on its
clock (Euler or exact; dt = 0.01 ms, 0.001 ms for HH); ionspike's LIF models are exact and its
conductance/HH/Izhikevich models integrate with their own steps, so spike times agree to a
tolerance, not exactly."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import pyNN.brian2 as b2
import pyNN.ionspike as ion

HERE = pathlib.Path(__file__).resolve().parent


def spikes_of(sim, cell, params, dt_ms, t_stop_ms):
    sim.setup(timestep=dt_ms, min_delay=0.1)
    p = sim.Population(1, getattr(sim, cell)(**params))
    p.record("spikes")
    sim.run(t_stop_ms)
    t = np.asarray(p.get_data().segments[0].spiketrains[0].magnitude, dtype=float)
    sim.end()
    return t


# (cell, parameters, time step ms, duration ms, largest allowed |t_ionspike - t_brian2|, ms)
# HH_cond_exp needs 0.001 ms: its interspike interval is 12.975 ms in ionspike at 0.01 ms
# and 12.971 at 0.001, 13.08 ms in Brian2's Euler steps of 0.01 ms and 12.983 at 0.001.
CASES = [
    ("IF_curr_exp", dict(i_offset=1.0, tau_m=20.0, cm=1.0, v_thresh=-50.0), 0.01, 200.0, 0.05),
    ("IF_curr_delta", dict(i_offset=1.0), 0.01, 200.0, 0.05),
    ("IF_cond_exp", dict(i_offset=1.0, tau_m=15.0, cm=0.5), 0.01, 200.0, 0.15),
    ("HH_cond_exp", dict(i_offset=0.5), 0.001, 100.0, 0.2),
    ("Izhikevich", dict(i_offset=0.01), 0.01, 200.0, 0.6),
]


@pytest.mark.parametrize("cell,params,dt_ms,t_stop_ms,tolerance_ms", CASES)
def test_single_neuron_spike_times_agree(cell, params, dt_ms, t_stop_ms, tolerance_ms):
    t_ion = spikes_of(ion, cell, params, dt_ms, t_stop_ms)
    t_b2 = spikes_of(b2, cell, params, dt_ms, t_stop_ms)
    if cell == "HH_cond_exp":
        # pyNN.brian2's HH_cond_exp has no refractoriness: it reports every step above -40 mV.
        t_b2 = t_b2[np.concatenate([[True], np.diff(t_b2) > 1.0])]
    assert len(t_ion) >= 5 and len(t_ion) == len(t_b2), (t_ion, t_b2)
    assert np.abs(t_ion - t_b2).max() <= tolerance_ms, (t_ion, t_b2)


def test_vogels_abbott_rates_agree_within_10_percent(tmp_path):
    # CUBA reduced to 1000 neurons keeps the ctest within CI's budget; COBA needs its full 4000
    # neurons (smaller, its activity dies in some runs) and pyNN.brian2 spends ~10 min on it
    # on a loaded 2-core machine, so it is the manual check documented in docs/pynn.md:
    #   check_va_rates.py --runs CUBA:4000 COBA:4000
    result = subprocess.run([sys.executable, str(HERE.parent / "pynn" / "check_va_rates.py"), "--work", str(tmp_path),
                             "--runs", "CUBA:1000"], capture_output=True, text=True)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
