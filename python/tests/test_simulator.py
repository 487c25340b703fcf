"""The Python module against the command line and against itself: same spikes as `ionspike
run` for the same network and seed, a run in pieces equal to one run, changes between runs,
network text round trip, errors with their location, the GIL released while running."""
import subprocess
import threading
import time

import numpy as np
import pytest

import ionspike

SMALL = """
format_version: 1
simulation { seed: 5 min_delay_ms: 0.5 }
populations { name: "drive" size: 20 poisson_source { rate_Hz: 40 } }
populations { name: "cells" size: 10
  lif_exp { tau_m_ms: 20 c_m_pF: 250 e_l_mV: -65 v_th_mV: -50 v_reset_mV: -65 t_ref_ms: 2
            tau_syn_ex_ms: 5 tau_syn_in_ms: 5 } }
projections { name: "in" pre: "drive" post: "cells" fixed_probability { p: 0.5 }
  weight_pA { uniform { low: 100 high: 300 } } delay_ms { constant: 1 } }
spike_recorders { name: "spikes" }
state_recorders { name: "v" population: "cells" variable: "v_mV" neurons: [0, 3] interval_ms: 0.5 }
"""


def cli_run(cli, network, out, seed, t_stop_ms):
    subprocess.run([cli, "run", str(network), "--seed", str(seed), "--t-stop", str(t_stop_ms), "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)


@pytest.mark.parametrize("example,seed,t_stop_ms", [("default", 7, 300.0), ("eis_plastic_network", 3, 300.0),
                                                    ("brette2007_coba", 11, 200.0)])
def test_spikes_equal_cli_output(cli, source_dir, tmp_path, example, seed, t_stop_ms):
    network = source_dir / "examples" / f"{example}.pbtxt"
    cli_run(cli, network, tmp_path, seed, t_stop_ms)
    sim = ionspike.Simulator.from_file(network, seed=seed, t_stop_ms=t_stop_ms)
    assert sim.run() == t_stop_ms
    assert sim.spike_recorders, "the example records spikes"
    for recorder in sim.spike_recorders:
        expected = np.load(tmp_path / f"{recorder}.npy")
        t_ms, population, neuron = sim.spike_records(recorder)
        assert len(t_ms) > 20, "a test of equal spikes needs spikes"
        assert np.array_equal(t_ms, expected["time_ms"])
        assert np.array_equal(population, expected["population"])
        assert np.array_equal(neuron, expected["neuron"])
    for recorder in sim.state_recorders:
        expected = np.load(tmp_path / f"{recorder}.npy")
        times_ms, values, _ = sim.state(recorder)
        assert np.array_equal(times_ms, expected[:, 0]) and np.array_equal(values, expected[:, 1:])
    for name, kind in sim.projections.items():
        if kind == "eis":  # conductances at the end of the run, as the CLI writes them
            expected = np.load(tmp_path / f"{name}.conductance.npy")
            syn = sim.synapses(name)
            for column in ("pre", "post", "delay_ms", "g_nS", "energy_fJ"):
                assert np.array_equal(syn[column], expected[column]), column
            assert not np.all(syn["g_nS"] == syn["g_nS"][0]), "conductances moved"


def test_run_in_pieces_equals_one_run():
    whole = ionspike.Simulator.from_text(SMALL)
    whole.run(400.0)
    pieces = ionspike.Simulator.from_text(SMALL)
    for duration_ms in (100.0, 0.0, 37.25, 162.75, 100.0):
        pieces.run(duration_ms)
    assert pieces.time_ms == 400.0
    a, b = whole.spike_records("spikes"), pieces.spike_records("spikes")
    assert len(a[0]) > 50
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    ta, va, _ = whole.state("v")
    tb, vb, _ = pieces.state("v")
    assert np.array_equal(ta, tb) and np.array_equal(va, vb)
    assert va.shape == (801, 2)


def test_threads_give_the_same_run():
    one = ionspike.Simulator.from_text(SMALL)
    two = ionspike.Simulator.from_text(SMALL)
    two.threads = 2
    assert one.threads == 1 and two.threads == 2
    one.run(300.0)
    two.run(300.0)
    for x, y in zip(one.spike_records("spikes"), two.spike_records("spikes")):
        assert np.array_equal(x, y)
    assert "cannot be spread" in two.serial_reason  # 10 neurons: the run stays on one thread, and says why
    with pytest.raises((ValueError, TypeError)):
        two.threads = 0


def test_spikes_of_population_and_clear():
    sim = ionspike.Simulator.from_text(SMALL)
    sim.run(200.0)
    t_ms, neuron = sim.spikes("cells")
    assert len(t_ms) == sim.spike_count("cells") > 0
    assert neuron.max() < 10 and np.all(np.diff(t_ms) >= 0)  # time order
    t_all, pop, _ = sim.spike_records("spikes", clear=True)
    assert len(t_all) == sim.spike_count("cells") + sim.spike_count("drive")
    assert len(sim.spike_records("spikes")[0]) == 0
    sim.run(100.0)
    t_next, _, _ = sim.spike_records("spikes")
    assert len(t_next) > 0 and t_next.min() > 200.0


def test_network_text_round_trip(tmp_path):
    sim = ionspike.Simulator.from_text(SMALL, seed=9)
    text = sim.network_text()
    assert "seed: 9" in text
    again = ionspike.Simulator.from_text(text)
    sim.run(200.0)
    again.run(200.0)
    assert np.array_equal(sim.spike_records("spikes")[0], again.spike_records("spikes")[0])
    sim.save(tmp_path / "net.pb")
    binary = ionspike.Simulator.from_file(tmp_path / "net.pb")
    binary.run(200.0)
    assert np.array_equal(sim.spike_records("spikes")[0], binary.spike_records("spikes")[0])


def test_poisson_rate_change_between_runs():
    sim = ionspike.Simulator.from_text(SMALL)
    sim.run(100.0)
    sim.set_poisson_rates("drive", 0.0)
    sim.run(100.0)
    t_ms, _ = sim.spikes("drive")
    assert np.sum(t_ms <= 100.0) > 20 and np.sum(t_ms > 100.0) == 0
    rates = np.zeros(20)
    rates[3] = 500.0
    sim.set_poisson_rates("drive", rates)
    sim.run(200.0)
    t_ms, neuron = sim.spikes("drive")
    late = neuron[t_ms > 200.0]
    assert 60 < len(late) < 140 and np.all(late == 3)  # 500 Hz x 0.2 s = 100 expected


def test_injected_current_change_gives_the_analytic_interval():
    text = """
format_version: 1
populations { name: "n" size: 2 lif_delta { tau_m_ms: 10 c_m_pF: 250 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 2 } }
spike_recorders { name: "s" }
"""
    sim = ionspike.Simulator.from_text(text)
    sim.run(50.0)
    assert sim.spike_count("n") == 0
    i_pA = 500.0  # V_inf = -70 + 500 pA * 10 ms / 250 pF = -50 mV
    sim.add_injected_current("n", i_pA, neurons=[1])
    sim.run(200.0)
    t_ms, neuron = sim.spikes("n")
    assert np.all(neuron == 1) and len(t_ms) > 5
    v_inf = -70.0 + i_pA * 10.0 / 250.0
    first_ms = 50.0 + 10.0 * np.log((v_inf + 70.0) / (v_inf + 55.0))
    isi_ms = 2.0 + 10.0 * np.log((v_inf + 70.0) / (v_inf + 55.0))
    assert t_ms[0] == pytest.approx(first_ms, abs=1e-9)
    assert np.diff(t_ms) == pytest.approx(np.full(len(t_ms) - 1, isi_ms), abs=1e-9)
    sim.add_injected_current("n", -i_pA, neurons=[1])
    sim.run(100.0)
    assert sim.spikes("n")[0].max() < 250.0 + 1e-9


def test_stdp_weights_and_eis_conductances_between_runs(source_dir):
    sim = ionspike.Simulator.from_file(source_dir / "examples" / "eis_plastic_network.pbtxt", seed=1)
    eis = [n for n, k in sim.projections.items() if k == "eis"][0]
    g0 = sim.conductances_nS(eis)
    sim.run(100.0)
    g1 = sim.conductances_nS(eis)
    assert not np.array_equal(g0, g1)
    sim.set_frozen(eis, True)  # integrates every device to now (cycle noise drawn at this touch)
    g_frozen = sim.conductances_nS(eis)
    assert np.allclose(g_frozen, g1, rtol=0.05)
    sim.run(100.0)
    assert np.array_equal(sim.conductances_nS(eis), g_frozen)
    sim.set_frozen(eis, False)
    sim.set_conductances_nS(eis, 500.0)
    assert np.all(sim.conductances_nS(eis) == 500.0)
    with pytest.raises(ValueError, match=eis):
        sim.set_conductances_nS(eis, 1e12)

    stdp_text = SMALL.replace('weight_pA { uniform { low: 100 high: 300 } }',
                              'weight_pA { uniform { low: 100 high: 300 } } stdp { w_max_pA: 400 }')
    sim = ionspike.Simulator.from_text(stdp_text)
    assert sim.projections == {"in": "stdp"}
    w0 = sim.weights("in")
    sim.run(300.0)
    w1 = sim.weights("in")
    assert not np.array_equal(w0, w1) and np.all((w1 >= 0) & (w1 <= 400))
    sim.set_stdp_weights("in", np.full(len(w1), 250.0))
    sim.set_stdp_amplitudes("in", 0.0, 0.0)
    sim.run(200.0)
    assert np.all(sim.weights("in") == 250.0)
    with pytest.raises(ValueError, match="outside"):
        sim.set_stdp_weights("in", np.full(len(w1), 500.0))


def test_bad_parameter_raises_with_location_and_message():
    bad = SMALL.replace("tau_m_ms: 20", "tau_m_ms: -20")
    with pytest.raises(ionspike.NetworkError) as err:
        ionspike.Simulator.from_text(bad, label="bad.pbtxt")
    e = err.value
    assert isinstance(e, ValueError)
    assert e.file == "bad.pbtxt" and e.line == 6 and e.column > 0
    assert e.field == "populations[1].lif_exp.tau_m_ms"
    assert "tau_m_ms" in str(e) and "bad.pbtxt:6" in str(e)
    assert e.message and e.message in str(e)

    with pytest.raises(ionspike.NetworkError, match="unknown_field"):
        ionspike.Simulator.from_text(SMALL.replace("t_ref_ms: 2", "unknown_field: 2"))
    with pytest.raises(ionspike.NetworkError):
        ionspike.Simulator.from_file("/nonexistent/network.pbtxt")
    sim = ionspike.Simulator.from_text(SMALL)
    with pytest.raises(KeyError, match="nowhere"):
        sim.spikes("nowhere")
    with pytest.raises(ValueError, match="poisson_source"):
        sim.set_poisson_rates("cells", 3.0)
    with pytest.raises(ValueError, match=">= 0"):
        sim.set_poisson_rates("drive", -1.0)
    sim.run(10.0)
    with pytest.raises(ValueError, match="before the current time"):
        sim.run_until(5.0)


def test_connections_from_arrays_equal_from_list_text():
    base = """
format_version: 1
simulation { seed: 2 }
populations { name: "a" size: 5 poisson_source { rate_Hz: 100 } }
populations { name: "b" size: 3 lif_delta { } }
projections { name: "ab" pre: "a" post: "b" from_list { %s } weight_mV { constant: 1 } }
spike_recorders { name: "s" }
"""
    pre, post, w, d = [0, 1, 4, 4], [2, 0, 1, 2], [9.0, 16.0, 12.0, 15.0], [1.0, 2.5, 0.1, 3.0]
    listed = " ".join(f"connections {{ pre: {a} post: {b} weight: {c} delay_ms: {e} }}"
                      for a, b, c, e in zip(pre, post, w, d))
    text_sim = ionspike.Simulator.from_text(base % listed)
    array_sim = ionspike.Simulator.from_text(base % "", connections={"ab": ionspike.Connections(pre, post, w, d)})
    text_sim.run(500.0)
    array_sim.run(500.0)
    assert len(text_sim.spikes("b")[0]) > 10
    assert np.array_equal(text_sim.spike_records("s")[0], array_sim.spike_records("s")[0])
    syn = array_sim.synapses("ab")
    assert sorted(zip(syn["pre"], syn["post"], syn["weight_mV"], syn["delay_ms"])) == sorted(zip(pre, post, w, d))
    with pytest.raises(ValueError, match="pre has 4"):
        ionspike.Simulator.from_text(base % "", connections={"ab": ionspike.Connections(pre, post[:3])})


def test_run_releases_the_gil(source_dir):
    sim = ionspike.Simulator.from_file(source_dir / "examples" / "default.pbtxt")
    started = threading.Event()

    def work():
        started.set()
        sim.run(3000.0)

    thread = threading.Thread(target=work)
    thread.start()
    started.wait()
    iterations = 0
    t0 = time.perf_counter()
    while thread.is_alive():
        iterations += 1
    elapsed_s = time.perf_counter() - t0
    thread.join()
    assert sim.time_ms == 3000.0
    # Holding the GIL for the whole run would let this loop run only around the call.
    assert elapsed_s > 0.2 and iterations > 10000, (elapsed_s, iterations)


def test_checkpoint_resume_continues_bit_identically(source_dir, tmp_path):
    """A simulation saved after changes between runs (frozen devices, new rates, new gate
    factors) and resumed from the file ends exactly as the one that went on."""
    def changed(sim):
        sim.run(150.0)
        sim.set_gate_factors("plastic", 0.5, -1.0)
        sim.set_poisson_rates("pre", np.linspace(2.0, 30.0, 100))
        sim.run(100.0)
    whole = ionspike.Simulator.from_file(source_dir / "examples" / "eis_plastic_network.pbtxt", seed=4)
    changed(whole)
    saved = ionspike.Simulator.from_file(source_dir / "examples" / "eis_plastic_network.pbtxt", seed=4)
    changed(saved)
    saved.save_checkpoint(tmp_path / "at250.ckpt")
    whole.run(400.0)
    resumed = ionspike.Simulator.resume(tmp_path / "at250.ckpt")
    assert resumed.time_ms == 250.0
    resumed.run(400.0)
    for a, b in zip(whole.spike_records("spikes"), resumed.spike_records("spikes")):
        assert np.array_equal(a, b)
    assert np.array_equal(whole.conductances_nS("plastic"), resumed.conductances_nS("plastic"))
    assert len(whole.spike_records("spikes")[0]) > 10

    (tmp_path / "broken.ckpt").write_bytes((tmp_path / "at250.ckpt").read_bytes()[:-7])
    with pytest.raises(ionspike.CheckpointError, match="broken.ckpt.*truncated"):
        ionspike.Simulator.resume(tmp_path / "broken.ckpt")
