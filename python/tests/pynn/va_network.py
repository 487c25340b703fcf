"""The Vogels-Abbott network of Brette et al. (2007), benchmarks 1 (COBA) and 2 (CUBA), built
through the PyNN API for any backend, to compare pyNN.ionspike with pyNN.brian2 on the same
script (our own script: PyNN's examples/VAbenchmarks.py builds the same network; docs/pynn.md
gives the command that runs that one).

usage: /usr/bin/python3 va_network.py SIMULATOR {COBA,CUBA} [--n 4000] [--t-stop-ms 1000]
                                      [--seed 98765] [--json OUT]
Prints and optionally writes {"exc_rate_Hz", "inh_rate_Hz", "build_s", "run_s", ...}.
"""
import argparse
import importlib
import json
import time


def run(simulator, benchmark, n=4000, t_stop_ms=1000.0, seed=98765):
    sim = importlib.import_module(f"pyNN.{simulator}")
    from pyNN.random import NumpyRNG, RandomDistribution

    dt_ms, delay_ms, p_connect = 0.1, 0.2, 0.02
    area_cm2 = 20000e-8
    cm_nF = 1.0 * area_cm2 * 1000          # 1 uF/cm^2
    tau_m_ms = 20.0
    e_leak_mV = -60.0 if benchmark == "COBA" else -49.0
    cell_params = {"tau_m": tau_m_ms, "tau_syn_E": 5.0, "tau_syn_I": 10.0, "v_rest": e_leak_mV,
                   "v_reset": -60.0, "v_thresh": -50.0, "cm": cm_nF, "tau_refrac": 5.0}
    if benchmark == "COBA":
        celltype = sim.IF_cond_exp
        cell_params.update(e_rev_E=0.0, e_rev_I=-80.0)
        w_exc, w_inh = 4.0e-3, 51.0e-3          # uS
    else:
        celltype = sim.IF_curr_exp
        w_exc = 1e-3 * 0.27 * (0.0 + 60.0)      # nA: G_exc (E_exc - V_mean)
        w_inh = 1e-3 * 4.5 * (-80.0 + 60.0)     # nA, negative
    # The benchmark has 4000 neurons; a smaller network keeps the same mean number of inputs
    # per neuron (80 for p = 0.02) by scaling the connection probability.
    p = p_connect * 4000.0 / n

    t0 = time.perf_counter()
    sim.setup(timestep=dt_ms, min_delay=delay_ms, max_delay=1.0, seed=seed)
    n_exc = int(round(n * 4.0 / 5.0))
    n_inh = n - n_exc
    exc = sim.Population(n_exc, celltype(**cell_params), label="Excitatory_Cells")
    inh = sim.Population(n_inh, celltype(**cell_params), label="Inhibitory_Cells")
    rng = NumpyRNG(seed=seed, parallel_safe=True)
    v_init = RandomDistribution("uniform", low=-60.0, high=-50.0, rng=rng)
    exc.initialize(v=v_init)
    inh.initialize(v=v_init)
    connector = sim.FixedProbabilityConnector(p, rng=rng)
    exc_syn = sim.StaticSynapse(weight=w_exc, delay=delay_ms)
    inh_syn = sim.StaticSynapse(weight=w_inh, delay=delay_ms)
    projections = [sim.Projection(exc, exc, connector, exc_syn, receptor_type="excitatory"),
                   sim.Projection(exc, inh, connector, exc_syn, receptor_type="excitatory"),
                   sim.Projection(inh, exc, connector, inh_syn, receptor_type="inhibitory"),
                   sim.Projection(inh, inh, connector, inh_syn, receptor_type="inhibitory")]
    if benchmark == "COBA":
        ext = sim.Population(20, sim.SpikeSourcePoisson(rate=100.0, duration=50.0), label="expoisson")
        ext_conn = sim.FixedProbabilityConnector(0.01, rng=rng)
        ext_syn = sim.StaticSynapse(weight=0.1)
        projections += [sim.Projection(ext, exc, ext_conn, ext_syn, receptor_type="excitatory"),
                        sim.Projection(ext, inh, ext_conn, ext_syn, receptor_type="excitatory")]
    exc.record("spikes")
    inh.record("spikes")
    exc[0, 1].record("v")
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sim.run(t_stop_ms)
    run_s = time.perf_counter() - t1
    result = {
        "simulator": simulator, "benchmark": benchmark, "n": n, "t_stop_ms": t_stop_ms, "seed": seed,
        "exc_rate_Hz": exc.mean_spike_count() * 1000.0 / t_stop_ms,
        "inh_rate_Hz": inh.mean_spike_count() * 1000.0 / t_stop_ms,
        "synapses": int(sum(prj.size() for prj in projections)),
        "build_s": build_s, "run_s": run_s,
    }
    block = exc.get_data("v")
    signal = block.segments[0].analogsignals[0]
    result["v_samples"] = int(signal.shape[0])
    sim.end()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("simulator")
    parser.add_argument("benchmark", choices=["COBA", "CUBA"])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--t-stop-ms", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=98765)
    parser.add_argument("--json")
    args = parser.parse_args()
    result = run(args.simulator, args.benchmark, args.n, args.t_stop_ms, args.seed)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
