#!/usr/bin/python3
"""Plot of ionspike-distal-reward's CSV (docs/dopamine.md): the chosen synapse's weight and
the mean (and max) of the other exc -> exc weights over time with the done-when lines (90 % and
10 % of w_max = 4 mV), and the rewards and pairings.

usage: tools/studies/distal_reward_plot.py OUT/distal_reward.csv [OUT/distal_reward.png]
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src = sys.argv[1]
    dst = sys.argv[2] if len(sys.argv) > 2 else src.rsplit(".", 1)[0] + ".png"
    rows = [r for r in csv.DictReader(open(src)) if None not in r.values()]  # complete rows (a run may be going on)
    t = [float(r["time_s"]) / 60.0 for r in rows]
    chosen = [float(r["chosen_mV"]) for r in rows]
    # The others are sampled every --others-every seconds (empty fields in between).
    sampled = [r for r in rows if r["others_mean_mV"] != ""]
    t_others = [float(r["time_s"]) / 60.0 for r in sampled]
    mean = [float(r["others_mean_mV"]) for r in sampled]
    top = [float(r["others_max_mV"]) for r in sampled]
    eis = all(r["chosen_eligibility"] == "nan" for r in rows)  # EIS synapses have no eligibility
    rewards = [int(r["rewards"]) for r in rows]
    w_max = 4.0
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot(t, chosen, label="chosen synapse n→m", color="tab:red")
    ax.plot(t_others, mean, label="mean of the other exc→exc synapses", color="tab:blue")
    ax.plot(t_others, top, label="max of the others", color="tab:blue", alpha=0.3, lw=0.8)
    ax.axhline(w_max, color="gray", ls=":", lw=0.8)
    ax.axhline(0.9 * w_max, color="tab:red", ls=":", lw=0.8, alpha=0.6)  # done: chosen >= 90 % of w_max
    ax.axhline(0.1 * w_max, color="tab:blue", ls=":", lw=0.8, alpha=0.6)  # and others' mean < 10 %
    ax.set_ylabel("weight (mV)")
    ax.set_ylim(0, 1.05 * w_max)
    ax.legend(loc="center right")
    ax.set_title("Distal reward (Izhikevich 2007, Fig. 1) in ionspike" +
                 (": EIS synapses gated by dopamine" if eis else ""))
    ax2.plot(t, rewards, color="tab:green", label="rewards")
    if "pairings" in rows[0]:
        ax2.plot(t, [int(r["pairings"]) for r in rows], color="tab:gray", ls="--", lw=0.8, label="pairings")
        ax2.legend(loc="upper left")
    ax2.set_ylabel("count")
    ax2.set_xlabel("time (min)")
    fig.tight_layout()
    fig.savefig(dst, dpi=120)
    print("wrote", dst)


if __name__ == "__main__":
    main()
