"""pyNN.ionspike: standard cells against closed forms, STDP against the pair rule, the native
EIS synapse against `ionspike stdp-curve`, the generated network against the command line,
run/continue/reset, recording through Neo, errors."""
import csv
import pathlib
import subprocess

import numpy as np
import pytest

import ionspike
import pyNN.ionspike as sim
from pyNN.parameters import Sequence


def lif_delta_first_and_isi_ms(i_nA, tau_m_ms=10.0, cm_nF=0.25, v_rest=-70.0, v_thresh=-55.0, t_ref_ms=2.0):
    v_inf = v_rest + i_nA / cm_nF * tau_m_ms     # nA / nF = mV / ms
    first = tau_m_ms * np.log((v_inf - v_rest) / (v_inf - v_thresh))
    return first, first + t_ref_ms


def test_if_curr_delta_with_i_offset_fires_at_the_analytic_times_and_changes_between_runs():
    sim.setup(timestep=0.1, seed=3)
    cells = sim.Population(2, sim.IF_curr_delta(tau_m=10.0, cm=0.25, v_rest=-70.0, v_thresh=-55.0, v_reset=-70.0,
                                                 tau_refrac=2.0, i_offset=0.5), label="cells")
    cells.initialize(v=-70.0)
    cells.record(["spikes", "v"])
    sim.run(100.0)
    first_ms, isi_ms = lif_delta_first_and_isi_ms(0.5)
    spikes = cells.get_data().segments[0].spiketrains
    t0 = np.asarray(spikes[0].magnitude)
    assert len(t0) > 5
    assert t0[0] == pytest.approx(first_ms, abs=1e-9)
    assert np.diff(t0) == pytest.approx(np.full(len(t0) - 1, isi_ms), abs=1e-9)
    cells[1:2].set(i_offset=1.0)            # a step of injected current at 100 ms
    sim.run(100.0)
    assert sim.get_current_time() == 200.0
    block = cells.get_data()
    t1 = np.asarray(block.segments[0].spiketrains[1].magnitude)
    late = t1[t1 > 100.0]
    _, isi_fast_ms = lif_delta_first_and_isi_ms(1.0)
    assert np.diff(late[1:]) == pytest.approx(np.full(len(late) - 2, isi_fast_ms), abs=1e-9)
    t0_all = np.asarray(block.segments[0].spiketrains[0].magnitude)
    assert np.diff(t0_all) == pytest.approx(np.full(len(t0_all) - 1, isi_ms), abs=1e-9)
    v = block.segments[0].filter(name="v")[0]
    assert v.shape == (2001, 2) and float(v.sampling_period) == 0.1
    assert float(v.magnitude.max()) < -55.0 and float(v.magnitude[0, 0]) == -70.0
    with pytest.raises(NotImplementedError, match="tau_m"):
        cells.set(tau_m=12.0)
    sim.end()


def test_reset_builds_again_and_gives_the_same_run():
    sim.setup(timestep=0.1, min_delay=0.5, seed=11)
    source = sim.Population(30, sim.SpikeSourcePoisson(rate=50.0), label="source")
    cells = sim.Population(20, sim.IF_curr_exp(), label="cells")
    sim.Projection(source, cells, sim.FixedProbabilityConnector(0.3, rng=sim.NumpyRNG(seed=5)),
                   sim.StaticSynapse(weight=1.5, delay=1.0))
    cells.record("spikes")
    sim.run(300.0)
    sim.reset()
    assert sim.get_current_time() == 0.0
    sim.run(300.0)
    block = cells.get_data()
    assert len(block.segments) == 2
    first, second = ([np.asarray(st.magnitude) for st in seg.spiketrains] for seg in block.segments)
    assert sum(len(t) for t in first) > 50
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    sim.end()


def test_threads_give_the_same_spikes_and_membrane_traces():
    def run(threads):
        sim.setup(timestep=0.1, min_delay=0.5, seed=21, threads=threads)
        source = sim.Population(200, sim.SpikeSourcePoisson(rate=30.0), label="source")
        exc = sim.Population(400, sim.IF_curr_exp(tau_refrac=2.0), label="exc")
        inh = sim.Population(200, sim.IF_curr_exp(tau_refrac=2.0), label="inh")
        rng = sim.NumpyRNG(seed=9)
        sim.Projection(source, exc, sim.FixedProbabilityConnector(0.1, rng=rng), sim.StaticSynapse(weight=0.9, delay=1.0))
        sim.Projection(exc, inh, sim.FixedProbabilityConnector(0.1, rng=rng), sim.StaticSynapse(weight=0.5, delay=1.5))
        sim.Projection(inh, exc, sim.FixedProbabilityConnector(0.1, rng=rng), sim.StaticSynapse(weight=-0.6, delay=0.8),
                       receptor_type="inhibitory")
        exc.record("spikes")
        exc[0:3].record("v")
        inh[190:200].record("v")
        sim.run(200.0)
        segment = exc.get_data().segments[0]
        spikes = [np.asarray(st.magnitude) for st in segment.spiketrains]
        v = (np.asarray(segment.filter(name="v")[0].magnitude),
             np.asarray(inh.get_data().segments[0].filter(name="v")[0].magnitude))
        sim.end()
        return spikes, v

    spikes_1, v_1 = run(1)
    spikes_2, v_2 = run(2)
    assert sum(len(t) for t in spikes_1) > 100
    assert all(np.array_equal(a, b) for a, b in zip(spikes_1, spikes_2))
    assert all(np.array_equal(a, b) for a, b in zip(v_1, v_2))
    with pytest.raises(ValueError, match="threads"):
        sim.setup(threads=0)


def test_generated_network_runs_identically_in_the_command_line(cli, tmp_path):
    sim.setup(timestep=0.1, min_delay=0.2, seed=21)
    rng = sim.NumpyRNG(seed=8)
    exc = sim.Population(80, sim.IF_cond_exp(tau_refrac=5.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0),
                         label="exc")
    drive = sim.Population(40, sim.SpikeSourcePoisson(rate=30.0), label="drive")
    exc.initialize(v=sim.RandomDistribution("uniform", low=-60.0, high=-50.0, rng=rng))
    sim.Projection(drive, exc, sim.FixedProbabilityConnector(0.2, rng=rng),
                   sim.StaticSynapse(weight=sim.RandomDistribution("uniform", low=0.005, high=0.015, rng=rng),
                                     delay=0.5))
    sim.Projection(exc, exc, sim.FixedProbabilityConnector(0.1, rng=rng), sim.StaticSynapse(weight=0.004, delay=1.0))
    exc.record("spikes")
    text = sim.network_text()
    (tmp_path / "net.pbtxt").write_text(text)
    sim.run(300.0)
    t_ms, _, neuron = sim.engine().spike_records(f"spikes_{exc._ionspike_name}")
    assert len(t_ms) > 100
    subprocess.run([cli, "run", str(tmp_path / "net.pbtxt"), "--t-stop", "300", "--out", str(tmp_path / "out")],
                   check=True, stdout=subprocess.DEVNULL)
    expected = np.load(tmp_path / "out" / f"spikes_{exc._ionspike_name}.npy")
    assert np.array_equal(t_ms, expected["time_ms"]) and np.array_equal(neuron, expected["neuron"])
    sim.end()


def pairing_network(synapse, pre_ms, post_ms, teacher_delay_ms=0.1):
    """n pre sources, n IF_curr_delta targets forced to fire at post_ms[i] by a teacher."""
    n = len(pre_ms)
    pre = sim.Population(n, sim.SpikeSourceArray(spike_times=[Sequence([t]) for t in pre_ms]), label="pre")
    teacher = sim.Population(n, sim.SpikeSourceArray(spike_times=[Sequence([t - teacher_delay_ms]) for t in post_ms]),
                             label="teacher")
    post = sim.Population(n, sim.IF_curr_delta(tau_refrac=1.0), label="post")
    sim.Projection(teacher, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=100.0, delay=teacher_delay_ms))
    plastic = sim.Projection(pre, post, sim.OneToOneConnector(), synapse)
    post.record("spikes")
    return plastic, post


@pytest.mark.parametrize("dependence", ["additive", "multiplicative"])
def test_stdp_pairs_follow_the_pair_rule(dependence):
    sim.setup(timestep=0.1, min_delay=0.1)
    w0, w_max, a_plus, a_minus, tau_plus, tau_minus, delay = 0.5, 1.0, 0.01, 0.012, 16.8, 33.7, 1.0
    wd = (sim.AdditiveWeightDependence if dependence == "additive" else sim.MultiplicativeWeightDependence)(
        w_min=0.0, w_max=w_max)
    stdp = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(tau_plus=tau_plus, tau_minus=tau_minus,
                                                                 A_plus=a_plus, A_minus=a_minus),
                             weight_dependence=wd, weight=w0, delay=delay, dendritic_delay_fraction=0.0)
    dts = np.array([-40.0, -10.0, -2.0, 3.0, 10.0, 25.0])    # post - arrival of pre at the synapse
    pre_ms = np.full(len(dts), 100.0)
    plastic, post = pairing_network(stdp, pre_ms, pre_ms + delay + dts)
    sim.run(300.0)
    spikes = post.get_data().segments[0].spiketrains
    assert [len(st) for st in spikes] == [1] * len(dts)
    w = np.array(plastic.get("weight", format="list", with_address=False))
    if dependence == "additive":
        expected = np.where(dts > 0, w0 + a_plus * w_max * np.exp(-dts / tau_plus),
                            w0 - a_minus * w_max * np.exp(dts / tau_minus))
    else:
        expected = np.where(dts > 0, w0 + a_plus * (w_max - w0) * np.exp(-dts / tau_plus),
                            w0 - a_minus * w0 * np.exp(dts / tau_minus))
    assert w == pytest.approx(expected, rel=1e-6)    # weights are stored as float
    sim.end()


def test_eis_synapse_reproduces_the_stdp_curve_of_the_command_line(cli, tmp_path):
    out = tmp_path / "curve"
    subprocess.run([cli, "stdp-curve", "--device", "protonic_wo3_ysz_14nm", "--waveforms", "antisymmetric",
                    "--g0", "1000", "--dt-min", "-100", "--dt-max", "100", "--dt-step", "10", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    rows = list(csv.DictReader((out / "stdp_curve.csv").open()))
    dts = np.array([float(r["dt_ms"]) for r in rows])
    dg_cli = np.array([float(r["dG_nS"]) for r in rows])

    sim.setup(timestep=0.1, min_delay=0.1)
    delay = 0.1
    eis = sim.EISSynapse(device="protonic_wo3_ysz_14nm", pre_waveform="antisymmetric", post_waveform="antisymmetric",
                         g_init_nS=1000.0, gain=0.0, device_spread_sigma=0.0, cycle_noise_sigma=0.0, delay=delay)
    pre_ms = np.full(len(dts), 300.0)
    plastic, post = pairing_network(eis, pre_ms, pre_ms + delay + dts)   # dt at the device
    sim.run(1000.0)
    g = np.array(plastic.get("g_nS", format="list", with_address=False))
    assert [len(st) for st in post.get_data().segments[0].spiketrains] == [1] * len(dts)
    assert np.abs(dg_cli).max() > 10.0
    assert g - 1000.0 == pytest.approx(dg_cli, abs=1e-9, rel=1e-9)
    sim.end()


def test_bad_parameter_raises_with_the_message():
    sim.setup(timestep=0.1)
    cells = sim.Population(3, sim.IF_curr_exp(tau_m=-5.0), label="bad")
    with pytest.raises(ionspike.NetworkError) as err:
        sim.run(10.0)
    assert err.value.field.endswith("lif_exp.tau_m_ms") and "tau_m_ms" in str(err.value)
    sim.setup(timestep=0.1)
    cells = sim.Population(3, sim.IF_curr_exp(), label="mixed")
    cells.set(tau_m=np.array([10.0, 20.0, 30.0]))
    with pytest.raises(NotImplementedError, match="differs between neurons"):
        sim.run(10.0)
    sim.end()


def test_projection_onto_an_assembly_equals_projections_onto_its_populations():
    def run(use_assembly):
        sim.setup(timestep=0.1, min_delay=0.5, seed=4)
        src = sim.Population(20, sim.SpikeSourcePoisson(rate=40.0), label="src")
        a = sim.Population(6, sim.IF_curr_exp(), label="a")
        b = sim.Population(4, sim.IF_curr_exp(tau_m=15.0), label="b")
        syn = sim.StaticSynapse(weight=0.3, delay=1.0)
        if use_assembly:
            prj = sim.Projection(src, a + b, sim.AllToAllConnector(), syn, receptor_type="excitatory")
            assert len(prj) == 200
        else:
            for target in (a, b):
                sim.Projection(src, target, sim.AllToAllConnector(), syn, receptor_type="excitatory")
        (a + b).record("spikes")
        sim.run(300.0)
        trains = [np.asarray(st.magnitude) for pop in (a, b) for st in pop.get_data().segments[0].spiketrains]
        kinds = sim.engine().projections
        sim.end()
        return trains, kinds

    together, kinds = run(True)
    apart, _ = run(False)
    assert len(kinds) == 2          # one ionspike projection per pair of populations
    assert sum(len(t) for t in together) > 50
    assert all(np.array_equal(x, y) for x, y in zip(together, apart))
