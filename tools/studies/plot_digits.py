#!/usr/bin/python3
"""Plots of an ionspike-digits run (PNG): receptive fields, accuracy over training, confusion.

  /usr/bin/python3 tools/studies/plot_digits.py out/digits [more run directories ...]

Writes into each run directory:
  receptive_fields.png  the input weights of every excitatory neuron as an image grid, titled
                        with the neuron's label
  training.png          accuracy of each block of training images (predicted with the labels
                        of the block before) and spikes per image
  confusion.png         test confusion matrix (rows: true class)
"""
import csv
import json
import math
import os
import sys

import numpy as np
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def plot_run(d):
    with open(os.path.join(d, 'summary.json')) as f:
        s = json.load(f)
    rows, cols = s['rows'], s['cols']
    w = np.load(os.path.join(d, 'weights.npy'))
    labels = {}
    with open(os.path.join(d, 'labels.csv')) as f:
        for r in csv.DictReader(f):
            labels[int(r['neuron'])] = int(r['label'])
    n = w.shape[0]
    side = int(math.ceil(math.sqrt(n)))
    grid = np.full((side * (rows + 1), side * (cols + 1)), np.nan)
    for k in range(n):
        i, j = divmod(k, side)
        grid[i * (rows + 1):i * (rows + 1) + rows, j * (cols + 1):j * (cols + 1) + cols] = w[k].reshape(rows, cols)
    fig, ax = plt.subplots(figsize=(8, 8))
    im = ax.imshow(grid, cmap='hot_r', interpolation='nearest')
    if n <= 144:
        for k in range(n):
            i, j = divmod(k, side)
            ax.text(j * (cols + 1), i * (rows + 1), str(labels.get(k, -1)), fontsize=6, color='blue', va='top')
    ax.set_axis_off()
    fig.colorbar(im, ax=ax, fraction=0.04, label='weight (nS)')
    ax.set_title(f"{s['dataset']}: receptive fields of {n} neurons (labels in blue); "
                 f"test accuracy {100 * s['test_accuracy']:.1f} %", fontsize=9)
    fig.savefig(os.path.join(d, 'receptive_fields.png'), dpi=120, bbox_inches='tight')
    plt.close(fig)

    seen, acc, spikes = [], [], []
    with open(os.path.join(d, 'training.csv')) as f:
        for r in csv.DictReader(f):
            seen.append(int(r['images_seen']))
            acc.append(float(r['block_accuracy']))
            spikes.append(float(r['mean_spikes_per_image']))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(seen[1:], np.array(acc[1:]) * 100, marker='.', label='block accuracy (labels of the block before)')
    ax.axhline(100 * s['test_accuracy'], color='k', linestyle='--', label='test accuracy')
    ax.set_xlabel('training images presented')
    ax.set_ylabel('accuracy (%)')
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    ax2.plot(seen, spikes, color='tab:gray', alpha=0.5)
    ax2.set_ylabel('spikes per image', color='tab:gray')
    ax.legend(loc='lower right', fontsize=8)
    ax.set_title(f"{s['dataset']}, {s['neurons']} neurons, {s['epochs']} epoch(s)")
    fig.tight_layout()
    fig.savefig(os.path.join(d, 'training.png'), dpi=120)
    plt.close(fig)

    with open(os.path.join(d, 'confusion.csv')) as f:
        m = np.array([[int(x) for x in r[1:]] for r in list(csv.reader(f))[1:]])
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(m, cmap='Blues')
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, m[i, j], ha='center', va='center', fontsize=7)
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class')
    ax.set_title('test confusion')
    fig.tight_layout()
    fig.savefig(os.path.join(d, 'confusion.png'), dpi=120)
    plt.close(fig)
    print(f'{d}: receptive_fields.png training.png confusion.png')


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for directory in sys.argv[1:]:
        plot_run(directory)
