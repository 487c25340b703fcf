"""Hodgkin-Huxley 1952 in ionspike against NEURON's own `hh` mechanism (Debian python3-neuron):
a 10 000 um^2 single compartment at 6.3 degC under a 10 uA/cm^2 step (1 nA), 100 ms; NEURON
integrates with CVODE at tight tolerance and reports threshold crossings (0 mV) through a
NetCon. Every ionspike spike (hh_1952, dt 0.025 ms, NEURON's E_L -54.3 mV) must be within
0.1 ms of NEURON's.

usage: /usr/bin/python3 check_neuron_hh.py IONSPIKE_BINARY WORK_DIR
"""
import csv
import math
import pathlib
import subprocess
import sys

AREA_UM2 = 10000.0
I_PA = 1000.0  # 10 uA/cm^2 on 10 000 um^2
T_STOP_MS = 100.0


def neuron_spikes():
    from neuron import h
    h.load_file("stdrun.hoc")
    soma = h.Section(name="soma")
    soma.L = soma.diam = math.sqrt(AREA_UM2 / math.pi)  # area pi d L
    soma.insert("hh")
    soma.cm = 1.0
    h.usetable_hh = 0  # hh's rate tables (1 mV steps) would cost about 0.1 % of the period
    h.celsius = 6.3
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = 0.0, 1e9, I_PA * 1e-3  # nA
    times = h.Vector()
    detector = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    detector.threshold = 0.0
    detector.record(times)
    cvode = h.CVode()
    cvode.active(1)
    cvode.atol(1e-9)
    cvode.rtol(1e-9)
    h.finitialize(-65.0)
    h.continuerun(T_STOP_MS)
    return list(times), soma(0.5).hh.el if hasattr(soma(0.5), "hh") else h.el_hh


def ionspike_spikes(binary, work: pathlib.Path, e_l_mV):
    work.mkdir(parents=True, exist_ok=True)
    network = work / "hh_1952_step.pbtxt"
    network.write_text(
        "format_version: 1\n"
        f"simulation {{ t_stop_ms: {T_STOP_MS} output_dir: \"{work / 'out'}\" }}\n"
        "populations { name: \"soma\" size: 1 dt_ms: 0.025\n"
        f"  hh_1952 {{ membrane {{ area_um2: {AREA_UM2} e_l_mV: {e_l_mV} i_e_pA: {I_PA}\n"
        "    v_init_mV { constant: -65 } } } }\n"
        "spike_recorders { name: \"spikes\" populations: [\"soma\"] }\n")
    subprocess.run([binary, "run", str(network)], check=True, stdout=subprocess.DEVNULL)
    with open(work / "out" / "spikes.csv") as f:
        return [float(row["time_ms"]) for row in csv.DictReader(f)]


def main(binary: str, work: pathlib.Path) -> int:
    reference, e_l = neuron_spikes()
    ours = ionspike_spikes(binary, work, e_l)
    print(f"NEURON hh (E_L {e_l} mV): {['%.4f' % t for t in reference]}")
    print(f"ionspike hh_1952:        {['%.4f' % t for t in ours]}")
    if len(ours) != len(reference) or len(ours) < 5:
        print("spike counts differ", file=sys.stderr)
        return 1
    worst = max(abs(a - b) for a, b in zip(ours, reference))
    print(f"largest spike-time difference {worst:.4f} ms")
    return 0 if worst < 0.1 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], pathlib.Path(sys.argv[2])))
