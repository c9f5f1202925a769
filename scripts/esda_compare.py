"""Compares setu-stats' smoothed ward rates with PySAL esda's empirical Bayes on the same counts.

Run: cargo run --release -p setu-stats --example risk_bench -- --runs 1 --csv /tmp/wards.csv
     python3 scripts/esda_compare.py /tmp/wards.csv        (needs: pip install esda)
"""
import sys

import numpy as np
import pandas as pd
from esda.smoothing import Empirical_Bayes

frame = pd.read_csv(sys.argv[1])
e = frame["events"].to_numpy(dtype=float).reshape(-1, 1)
b = frame["population"].to_numpy(dtype=float).reshape(-1, 1)
esda = Empirical_Bayes(e, b).r.flatten()
ours = frame["smoothed_rate"].to_numpy(dtype=float)
rel = np.abs(ours - esda) / np.maximum(esda, 1e-300)
print(f"{len(frame)} wards; largest relative difference {rel.max():.2e}; "
      f"median {np.median(rel):.2e}; same order: {bool((np.argsort(-ours, kind='stable') == np.argsort(-esda, kind='stable')).mean() > 0.99)}")
