"""Evidence for issue 9: hotspot detection on an independent monthly county simulation.

For every seed, ``sim_county.simulate_county`` writes a county's bureau files (25 GB/T 4754 classes in 8
divisions, 2020-01..2024-12: ``permits.csv`` for the licence exposure, ``inspections.csv`` for the
violations and the inspection effort) with 16 planted events (9 spikes ×3–4 over 1–2 months in
small/medium/large classes, 6 rises ×1.5–2 over 4–6 months, one two-class cluster ×2.5) and decoys
(two exposure shocks: licences doubling at an unchanged rate per licence; a 专项检查 campaign
doubling the inspections of a clean class at an unchanged share of problems; the seasonal class's
regular May–September season). The files are imported into a fresh ``ga.Workspace`` through the
public API, the package's class panel is checked to equal the simulated series, and each method's
flags are scored with ``sim_county.score`` (definitions in ``sim_county/scoring.py``) over the
evaluated months 2022-03..2024-12 (34 months):

* ``default``  ``ws.hotspots("violations", "industry")`` — the default (every GB/T 4754 level, single-month
               and window tests, the false-flag budget, the effort check);
* ``class``    ``ws.hotspots("violations", "industry_class")`` — the class-level option;
* ``rate``     ``ws.hotspots("inspection_failure_rate", "industry_class")`` — problems per inspection
               (shown for the campaign decoy; not a violation-count view);
* ``R a=0.05`` / ``R a=0.01`` (``--with-r``) ``surveillance::farringtonFlexible`` with the Noufaily
               options per class, licences as population offset (``sim_county/farrington.R``), on the
               same class series; 0.05 is farringtonFlexible's default alpha, 0.01 the package's.

Goal (issue 9, through ``default``): POD ≥ 0.9, ≤ 0.2 false flags a month, no decoy flag.

Usage::

    PYTHONPATH=. python benchmarks/eval_hotspots_domain.py --seeds 5 --with-r --save
    PYTHONPATH=. python benchmarks/eval_hotspots_domain.py --quick      # 1 seed, about 10 s
    PYTHONPATH=. python benchmarks/eval_hotspots_domain.py --first-seed 6 --seeds 5 --simes   # held out
    PYTHONPATH=. python benchmarks/eval_hotspots_domain.py --seeds 5 --choice --keep /tmp/worlds
    PYTHONPATH=. python benchmarks/eval_hotspots_domain.py --first-seed 11 --seeds 5 --choice --keep /tmp/worlds

``--keep DIR`` simulates and imports each seed once into ``DIR/seed<n>`` and reuses it afterwards
(a variant then takes about a second a seed instead of ~10 s of simulation and import).

``--save`` writes ``benchmarks/results/eval_hotspots_domain_{summary,events,flags}.csv`` (per seed and
method; the printed report of the committed run is ``eval_hotspots_domain.txt``); without ``--with-r``
the R columns are read back from the saved files when they hold the same seeds.

Measured (issue 9, 2026-12-03, with ``parent_exposure="licences"``, the default until 2026-12-07;
R 4.2.2 / surveillance 1.20.3; POD with 95 % Wilson interval, false
flags a month mean ± sd over seeds, decoy flags summed over seeds; full report in
``results/eval_hotspots_domain.txt``). Seeds 1–5 are the seeds this benchmark was run on while the
detector was developed; seeds 6–10 were first run after its defaults were fixed (held out):

==========================  ==================  ==================  ==================  ==================
seeds 1–5 (development)     default             class               R a=0.05            R a=0.01
==========================  ==================  ==================  ==================  ==================
POD                         0.88 [0.78, 0.93]   0.86 [0.77, 0.92]   0.93 [0.85, 0.97]   0.81 [0.71, 0.88]
spikes small/medium/large   0.87 / 1.00 / 1.00  0.87 / 1.00 / 1.00  0.93 / 1.00 / 1.00  0.87 / 1.00 / 0.93
rises within 2 months       0.73 (22/30)        0.70 (21/30)        0.83 (25/30)        0.60 (18/30)
rise delay (detected)       1.1 months          1.1 months          0.6 months          0.8 months
false flags / month         0.08 ± 0.04         0.10 ± 0.04         1.21 ± 0.13         0.29 ± 0.06
decoy flags shock/camp/ssn  0 / 0 / 0           0 / 0 / 0           11 / 9 / 1          2 / 4 / 0
==========================  ==================  ==================  ==================  ==================

==========================  ==================  ==================  ==================  ==================
seeds 6–10 (held out)       default             class               R a=0.05            R a=0.01
==========================  ==================  ==================  ==================  ==================
POD                         0.86 [0.77, 0.92]   0.86 [0.77, 0.92]   0.90 [0.81, 0.95]   0.84 [0.74, 0.90]
spikes small/medium/large   0.93 / 1.00 / 1.00  0.93 / 1.00 / 1.00  1.00 / 1.00 / 1.00  0.93 / 1.00 / 1.00
rises within 2 months       0.67 (20/30)        0.67 (20/30)        0.73 (22/30)        0.60 (18/30)
rise delay (detected)       1.4 months          1.4 months          0.7 months          0.8 months
false flags / month         0.08 ± 0.06         0.07 ± 0.04         1.16 ± 0.20         0.41 ± 0.14
decoy flags shock/camp/ssn  2 / 0 / 0           1 / 0 / 0           10 / 8 / 3          5 / 5 / 0
==========================  ==================  ==================  ==================  ==================

(held-out report: ``results/eval_hotspots_domain_heldout.txt``; the two decoy flags are single
months of seed 6's two licence doublings, at the rate of flags in clean cells: 0.27 % of decoy
cells against 0.17 % of clean ones.)

The goal is not reached: POD is just under 0.9 (both intervals include it) and, on the held-out
seeds, two decoy flags. The misses are mostly rises of about ×1.5 in medium classes (below the
window tests' bounds) and spikes in small classes. The false-flag budget trades POD for false
flags along one curve (held-out seeds 6–10, ``false_flags`` 0.3 / 0.5 / 0.8, the calls of
``--budgets 0.5,0.8``: POD 0.86 / 0.89 / 0.91 at 0.08 / 0.12 / 0.22 false flags a month, 2 / 2 / 3
decoy flags), so no setting of it reaches all three goals; the default stays 0.3. R at its
default alpha finds 0.93 of the events but flags ~1.2 cells a month outside them and every campaign.
``--glr`` (issue 9 follow-up; the negative-binomial GLR-CUSUM, ``hotspots.detect.glr_pvalues``; chosen
on seeds 1–5 only, ``results/eval_hotspots_domain_glr.txt``): beside the window tests with a quarter
of the level, POD 0.84 [0.74, 0.90] at 0.07 false flags a month; in place of them 0.82 [0.73, 0.89]
/ 0.08 (against 0.88 / 0.08 for the default): its change point over up to 6 months costs more than
it gains on rises of 4–6 months. With the budget raised to 0.5 (single 0.4, GLR 0.2, windows 0.2
each) 0.89 [0.80, 0.94] / 0.11 / no decoy flag (budget 0.5 without it: 0.88 / 0.13 / 2 decoy flags);
on the held-out seeds 6–10 that variant gives 0.88 [0.78, 0.93] / 0.09 / 2 decoy flags (the default
0.86 / 0.08 / 2). It is not the default: the goal is not reached either way, and it flags a ×1.6
rise a month later under a strict budget (the windows' smaller share).
``--simes`` (issue 9, detection quality; seeds 1–5 only): a cell's tests combined by the weighted
Simes test (``combine="simes"``) give the same POD, 0.88 [0.78, 0.93] (70/80), at 0.08 false flags a
month with one decoy flag (a division's two moderately high months, F52 2024-04 of seed 3); with the
budget raised to 0.6, 0.89 [0.80, 0.94] / 0.18 / 2 decoy flags. Not the default. Other single changes
tried on seeds 1–5 at the default budget, none above 70/80: ``parent_weight`` 0.5 / 0.25 (70, 70),
``single_share`` 0.4 with Simes (69), ``p_season`` 0.01 / 0.001 (69, 69), ``exclude_recent`` 3 / 4
(69, 69), ``glr_share`` 0.25 with Simes (68). Held-out seeds 6–10, run once after that choice:
Simes 0.88 [0.78, 0.93] / 0.08 / 2 decoy flags (default 0.86 [0.77, 0.92] / 0.08 / 2); Simes at budget
0.6 0.91 [0.83, 0.96] / 0.17 / 2 — on these seeds the first two goals, not chosen from them. The misses are far from any bound: the budget at which
each would have been flagged (printed per missed event) is 0.35 and 0.72 for the nearest two of the
development seeds and 1.2–17 for the eight others, and the realised false flags are about a quarter
of the budget (0.08 at 0.3, 0.18 at 0.6), so POD 0.9 (72/80) costs about 0.2 false flags a month.

Decoy flags are noise at the clean cells' rate, not a failed defence: the held-out seed 6's two are
months 3 and 5 of its two licence doublings (H6291 2023-06: 208 violations, expected 122.4, true mean
111.5, tail probability 2.4e-4 under the simulator's own negative binomial; H623 2024-10 through
H6233: 23 against a true 9.75, 1.5e-3); the exposure offset followed the doubling and the share of
inspections finding a problem rose (0.43 against 0.32), so the effort check rightly did not explain
them. Pooled over the 10 seeds 2 of 1539 decoy cells are flagged (0.13 %) against 0.17 % of clean
cells. A decoy window covers about 150 cells a seed (12 months × class, group, division, section), so
at the default's rate about 1.4 decoy flags are expected from noise over 5 seeds (P(none) ≈ 0.26; at
0.2 false flags a month, P(none) ≈ 0.04): the three goals together are met by chance at best.
``--small-fields`` (seeds 1–5): minimum count 0 or no pseudo-count change nothing (0.88 / 0.08);
the plug-in bound 0.89 / 0.18 with a decoy flag; the single-month test alone 0.82 / 0.14 with 2
decoy flags; R's Farrington baseline 0.69 / 0.04.

Parents' standardised exposure and the window budget (issue 9, detection goal, 2026-12-07; the
worlds of ``--keep``, 2 CPUs shared, load 2–4.5; reports ``results/eval_hotspots_domain_choice_dev.txt``
(seeds 1–5), ``..._choice_seen6-10.txt`` (6–10) and ``..._heldout2.txt`` (11–15, fresh, run once
after the choice was fixed), the grid ``..._grid_dev.csv`` (seeds 1–5); in those three files ``default`` is the previous default,
``parent_exposure="licences"``, and ``standardised`` the new one):

*The decoy flags on exposure shocks.* Seed 6's two (held-out run above) are not a lag or a definition
problem of the class series: the simulated violations follow the licences of the same month
(``mu = r * E``, the panel's exposure equals the simulation's, ``check_panel``), both flags come after
the doubling was complete (months 3 and 5 of the windows, single-month tests), and the detector's
expectation was at or above the truth (H6291 2023-06: 208 against expected 122.4, true mean 111.5,
tail probability 2.4e-4 under the simulator's negative binomial; group H623 2024-10: 33 = 10 + 23
against expected 16.6, true mean 16.4, about 5e-4). The per-inspection rate was high too (0.43
against 0.32, 0.33 against 0.21), so the effort check rightly kept them. They are noise. But the
parents have a real defect, found on seed 3 (development): a parent's expected count was its old
rate per licence times its new licences, so when a class breaking rules more often than its siblings
doubles its licences the parent is expected too few (seed 3, F5212 at 1.24 times F52's rate per
licence: F52 and F521 expected 0.94 of the true mean for the 11 months of the shock, against 1.03
for the class itself; the expectation of a parent against the sum of its classes' was 0.94–1.07,
moving with the shocked class's relative rate), and the growth was flagged by the window test at
budgets 0.4–0.5. ``parent_exposure="standardised"`` (now the default,
``hotspots.levels.standardised_exposure``) weighs each class's licences by its own rate per licence
before the period. Measured with the default otherwise (POD, false flags a month, decoy flags):

=======================  ===================================  ===================================
seeds                    licences (previous default)          standardised (new default)
=======================  ===================================  ===================================
1–5 (development)        0.88 (70/80), 0.076, 0               0.88 (70/80), 0.071, 0
6–10 (seen before)       0.86 (69/80), 0.08, 2                0.86 (69/80), 0.07, 1
11–15 (fresh, held out)  0.81 [0.71, 0.88] (65/80), 0.15, 0   0.81 [0.71, 0.88] (65/80), 0.14, 0
=======================  ===================================  ===================================

(on seeds 1–5 at budget 0.5: 70/80, 0.129, 2 exposure-shock flags → 70/80, 0.124, 1; windows 3,
budget 0.4: 72/80, 0.135, 2 decoy flags → 72/80, 0.135, 1, the season flag left). The one decoy flag
left on seeds 6–10 is H6291 2023-06 (a class: nothing to standardise); H623 2024-10 went from
``p_adjusted`` 0.17 to 0.32 (expected 16.6 → 17.5, the truth 16.4: this one moved by noise in the
class rates, not by a correction). Decoy cells are flagged no more often than clean cells: pooled
over the 15 seeds 1 of 2308 decoy cells (0.04 %) against 0.16–0.32 % of clean cells (4.9 flags
expected at the clean rate).

*POD.* Chosen on seeds 1–5 only, among 13 settings of budget, windows, shares and Simes with the
standardised parents: one 3-month window test instead of the 2- and 3-month ones, ``single_share``
0.3 and ``false_flags`` 0.5 (the single-month test keeps its level, 0.15 a month; the window gets
0.35 instead of 0.075 + 0.075): seeds 1–5 0.91 [0.83, 0.96] (73/80), 0.16, 0 decoy flags (PASS). A
full grid on the same seeds afterwards (``combine`` bonferroni / simes × ``single_share`` 0.5 / 0.4 /
0.3 × ``windows`` (2, 3) / (3,) / (2, 3, 4) × ``false_flags`` 0.3–0.7, 90 settings) puts it first
too; 12 settings pass there, all at 72–73/80 and 0.147–0.20 false flags a month. Not confirmed:
seeds 6–10 0.90 [0.81, 0.95] (72/80), 0.14, 1 decoy flag; the fresh seeds 11–15 0.84 [0.74, 0.90] (67/80), 0.20 ± 0.08, 2 decoy flags (a shock and a season)
against 0.81 / 0.14 / 0 for the default — two more events for 0.06 more false flags a month and two
decoy flags. It is not the default (``--choice``, "std + window 3"). On the fresh seeds the previous default's
misses are 11 medium and 2 large rises and 2 small spikes; four of them would have been flagged at a
budget of 0.30–0.34. Across the 15 seeds the three goals together were met by no setting on every
seed set: POD 0.9 costs about 0.15–0.2 false flags a month, at which about 1 decoy flag per 5 seeds is
expected from noise in decoy cells (3 of 2308 decoy cells flagged by the chosen setting over the 15
seeds; P(none in 5 seeds) ≈ 0.37).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sim_county import score, simulate_county, summarize  # noqa: E402
from sim_county.r_reference import r_available, run_farrington  # noqa: E402

RESULTS = HERE / "results"
METHODS = {  # name → (measure, by, options of ws.hotspots)
    "default": ("violations", "industry", {}),
    "class": ("violations", "industry_class", {}),
    "rate": ("inspection_failure_rate", "industry_class", {}),
}
#: ``--small-fields``: the default with one rule changed at a time (is each rule worth its place?)
VARIANTS = {
    "min_count 0": ("violations", "industry", {"min_count": 0}),
    "no pseudo-count": ("violations", "industry", {"pseudo_count": 0}),
    "plug-in bound": ("violations", "industry", {"threshold_method": "nbPlugin"}),
    "nbPredictive bound": ("violations", "industry", {"threshold_method": "nbPredictive"}),
    "single month only": ("violations", "industry", {"windows": ()}),
    "Farrington baseline": (
        "violations",
        "industry",
        {"baseline": "farrington", "trend": True, "p_threshold_trend": 1.0, "dispersion_prior_df": 0},
    ),
}
#: ``--glr``: the negative-binomial GLR-CUSUM beside (or instead of) the window tests (issue 9 follow-up)
GLR_VARIANTS = {
    "GLR 0.25": ("violations", "industry", {"glr_share": 0.25}),
    "GLR for windows": ("violations", "industry", {"glr_share": 0.5, "windows": []}),
    "GLR 0.2, budget 0.5": (
        "violations",
        "industry",
        {"glr_share": 0.2, "single_share": 0.4, "false_flags": 0.5},
    ),
    "budget 0.5": ("violations", "industry", {"false_flags": 0.5}),
}
#: ``--simes``: a cell's tests combined by the weighted Simes test instead of the weighted Bonferroni
SIMES_VARIANTS = {
    "Simes": ("violations", "industry", {"combine": "simes"}),
    "Simes, budget 0.6": ("violations", "industry", {"combine": "simes", "false_flags": 0.6}),
}
#: ``--choice`` (issue 9, detection goal): the parents' standardised exposure, alone and with the
#: window budget chosen on seeds 1–5 (one 3-month window; the single-month test at its old level)
CHOICE_VARIANTS = {
    "standardised": ("violations", "industry", {"parent_exposure": "standardised"}),
    "std + window 3": (
        "violations",
        "industry",
        {"parent_exposure": "standardised", "windows": [3], "single_share": 0.3, "false_flags": 0.5},
    ),
}
R_ALPHAS = (0.05, 0.01)
GOAL = {"pod": 0.9, "false_per_month": 0.2}


def check_panel(hot_class: pd.DataFrame, series: pd.DataFrame) -> None:
    """The package's class panel (counts and licence exposure) must equal the simulated series."""
    m = hot_class.merge(
        series,
        left_on=["field", "period_start"],
        right_on=["class_key", "period"],
        how="outer",
        indicator=True,
    )
    bad = (m["_merge"] != "both") | (m["observed"] != m["violations"]) | (m["exposure_x"] != m["exposure_y"])
    if bad.any():
        raise AssertionError(
            f"imported panel differs from the simulation in {int(bad.sum())} cells:\n{m.loc[bad].head()}"
        )


def miss_causes(hot: pd.DataFrame, truth: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Why each missed event was missed, from the detector's output in its detection window.

    Among the cells of the event's fields (the fields containing its classes) and detection months,
    the one with the smallest p-value decides: ``not evaluated`` (method none), ``below bound``
    (observed ≤ upper), ``min_count`` (above the bound, not an alarm), ``BH`` (an alarm, q > fdr).
    """
    rows = []
    missed = events[(events["role"] == "event") & ~events["detected"]]
    for ev in missed.itertuples(index=False):
        cl = ev.classes.split(";")
        cells = hot[
            hot["field"].map(lambda k, cl=cl: any(c.startswith(k) for c in cl))
            & (hot["period_start"] >= ev.start)
            & (hot["period_start"] <= ev.detect_end)
        ]
        if cells.empty:
            rows.append({"event_id": ev.event_id, "cause": "no cell"})
            continue
        c = cells.sort_values("p_value", na_position="last").iloc[0]
        if c["method"] == "none" or pd.isna(c["upper"]):
            cause = "not evaluated"
        elif c["observed"] <= c["upper"]:
            cause = "below bound"
        elif not c["alarm"]:
            cause = "min_count"
        else:
            cause = "BH (q > fdr)"
        rows.append(
            {
                "event_id": ev.event_id,
                "kind": ev.kind,
                "size": ev.size,
                "field": c["field"],
                "month": c["period_start"].strftime("%Y-%m"),
                "observed": int(c["observed"]),
                "expected": round(float(c["expected"]), 1),
                "upper": c["upper"],
                "p": float(c["p_value"]),
                "q": float(c["q_value"]),
                # the budget (false_flags) at which some cell of the window would have been flagged
                "lambda_needed": float(cells["p_adjusted"].min()),
                "cause": cause,
            }
        )
    return pd.DataFrame(rows)


def decoy_rates(hot: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Flags per cell in decoy windows against flags per clean cell (neither event nor decoy).

    A cell is a field × evaluated month; the fields of a decoy are its class and the parents holding
    it. A decoy mechanism that the detector does not see through shows as a decoy rate well above the
    clean one; noise alone gives about the same rate in both.
    """
    lo, hi = truth.attrs["eval_start"], truth.attrs["eval_end"]
    cells = hot[(hot["method"] != "none") & hot["period_start"].between(lo, hi)][
        ["field", "period_start", "flagged"]
    ]
    kind = pd.Series("clean", index=cells.index)
    for it in truth.itertuples(index=False):
        classes = it.classes.split(";")
        inside = cells["field"].map(lambda k, cl=classes: any(c.startswith(k) for c in cl))
        during = cells["period_start"].between(it.start, it.end)
        kind[inside & during] = "event" if it.role == "event" else "decoy"
    out = {}
    for k in ("decoy", "clean"):
        pick = kind == k
        out[f"{k}_cells"] = int(pick.sum())
        out[f"{k}_rate"] = float(cells.loc[pick, "flagged"].mean()) if pick.any() else float("nan")
    return out


def load_world(seed: int, root: Path) -> tuple[dict[str, Path], pd.DataFrame, object, dict[str, float]]:
    """The seed's files and imported workspace under ``root/seed{seed}``, simulated and imported once.

    A folder holding a ``done`` marker (written after a complete import) is reused as it is: the
    simulation is deterministic in the seed, so a cached world is the one a new run would build.
    """
    import guidance_analytics as ga

    base = root / f"seed{seed}"
    marker = base / "done"
    names = {"permits": "permits.csv", "inspections": "inspections.csv", "series": "series.csv"}
    if marker.exists():
        files = {k: base / "files" / v for k, v in names.items()}
        truth = pd.read_pickle(base / "truth.pkl")
        return files, truth, ga.Workspace(base / "ws"), {"simulate": 0.0, "import": 0.0}
    t0 = time.perf_counter()
    files, truth = simulate_county(seed, base / "files")
    t_sim = time.perf_counter() - t0
    ws = ga.Workspace(base / "ws")
    t0 = time.perf_counter()
    for kind in ("permits", "inspections"):
        res = ws.import_file(files[kind], kind=kind)
        if res.rejected:
            raise AssertionError(f"{kind}: {res.rejected} rows rejected")
    t_import = time.perf_counter() - t0
    truth.to_pickle(base / "truth.pkl")
    marker.write_text("ok\n")
    return files, truth, ws, {"simulate": t_sim, "import": t_import}


def run_seed(seed: int, tmp: Path, with_r: bool, methods: dict | None = None) -> dict:
    files, truth, ws, times = load_world(seed, tmp)
    t_sim, t_import = times["simulate"], times["import"]
    series = pd.read_csv(files["series"], parse_dates=["period"])
    out = {
        "seed": seed,
        "truth": truth,
        "scores": {},
        "causes": {},
        "times": {"simulate": t_sim, "import": t_import},
    }
    out["decoys"] = {}
    for name, (measure, by, options) in (methods or METHODS).items():
        t0 = time.perf_counter()
        hot = ws.hotspots(measure, by, **options)
        out["times"][name] = time.perf_counter() - t0
        if name == "class":
            check_panel(hot, series)
        out["scores"][name] = score(hot, truth)
        out["causes"][name] = miss_causes(hot, truth, out["scores"][name]["events"])
        out["decoys"][name] = decoy_rates(hot, truth)
    if with_r:
        for alpha in R_ALPHAS:
            t0 = time.perf_counter()
            flags = run_farrington(series, truth.attrs["eval_start"], alpha, tmp / f"seed{seed}" / "r")
            out["times"][f"R a={alpha}"] = time.perf_counter() - t0
            out["scores"][f"R a={alpha}"] = score(flags, truth)
    return out


def save(runs: list[dict], directory: Path) -> None:
    """Write the per-seed results; rows of methods not run now (e.g. R without ``--with-r``) are kept."""
    directory.mkdir(parents=True, exist_ok=True)
    summ, events, flags = [], [], []
    for run in runs:
        for name, sc in run["scores"].items():
            summ.append(
                sc["summary"].assign(
                    method=name, seed=run["seed"], seconds=round(run["times"].get(name, float("nan")), 2)
                )
            )
            events.append(sc["events"].assign(method=name, seed=run["seed"]))
            flags.append(sc["flags"].assign(method=name, seed=run["seed"]))
    first = ["method", "seed"]
    ran = {name for run in runs for name in run["scores"]}
    for frames, stem in ((summ, "summary"), (events, "events"), (flags, "flags")):
        old = directory / f"eval_hotspots_domain_{stem}.csv"
        if old.exists():  # keep what this run did not recompute
            kept = pd.read_csv(old)
            frames = [*frames, kept[~kept["method"].isin(ran)]]
        df = pd.concat(frames, ignore_index=True)
        df = df[first + [c for c in df.columns if c not in first]]
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                df[col] = df[col].dt.strftime("%Y-%m")
        df.round(4).to_csv(directory / f"eval_hotspots_domain_{stem}.csv", index=False)


def saved_r(directory: Path, seeds: list[int]) -> dict[str, list[dict]]:
    """R results saved by an earlier ``--with-r --save`` run for the same seeds (else empty)."""
    sfile, efile = (
        directory / "eval_hotspots_domain_summary.csv",
        directory / "eval_hotspots_domain_events.csv",
    )
    if not (sfile.exists() and efile.exists()):
        return {}
    s, e = pd.read_csv(sfile), pd.read_csv(efile)
    out = {}
    for method in (f"R a={alpha}" for alpha in R_ALPHAS):
        have = set(s.loc[s["method"] == method, "seed"])
        if not set(seeds) <= have:
            continue
        out[f"{method} (saved)"] = [
            {
                "summary": s[(s["method"] == method) & (s["seed"] == sd)],
                "events": e[(e["method"] == method) & (e["seed"] == sd)],
            }
            for sd in seeds
        ]
    return out


def goal_line(results: list[dict]) -> str:
    sm = pd.concat([r["summary"] for r in results], ignore_index=True)
    ev = pd.concat([r["events"] for r in results], ignore_index=True)
    ev = ev[ev["role"] == "event"]
    pod = ev["detected"].mean()
    fpm = sm["false_per_month"].mean()
    decoys = int(sm[["exposure_shock_flags", "campaign_flags", "season_flags"]].to_numpy().sum())
    ok = pod >= GOAL["pod"] and fpm <= GOAL["false_per_month"] and decoys == 0
    return f"{'PASS' if ok else 'FAIL'} (POD {pod:.2f}, {fpm:.2f} false/month, {decoys} decoy flags)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5, help="number of seeds (1, 2, …)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="one seed")
    ap.add_argument("--with-r", action="store_true", help="also run R surveillance::farringtonFlexible")
    ap.add_argument("--save", action="store_true", help="write the per-seed results to benchmarks/results/")
    ap.add_argument(
        "--keep",
        type=Path,
        help="keep the files and workspaces in this folder and reuse the seeds already there "
        "(simulated and imported once)",
    )
    ap.add_argument(
        "--small-fields",
        action="store_true",
        help="also run the default with one rule changed at a time (minimum count, pseudo-count, bound, "
        "window tests, baseline)",
    )
    ap.add_argument("--glr", action="store_true", help="also run the GLR-CUSUM variants (GLR_VARIANTS)")
    ap.add_argument(
        "--simes", action="store_true", help="also run the weighted Simes variants (SIMES_VARIANTS)"
    )
    ap.add_argument(
        "--choice",
        action="store_true",
        help="also run the standardised parent exposure and the chosen window budget (CHOICE_VARIANTS)",
    )
    ap.add_argument(
        "--budgets",
        default="",
        help="also run the default with these false-flag budgets (comma-separated, e.g. 0.5,0.8)",
    )
    args = ap.parse_args()
    budgets = {
        f"false_flags {b}": ("violations", "industry", {"false_flags": float(b)})
        for b in filter(None, args.budgets.split(","))
    }
    n = 1 if args.quick else args.seeds
    seeds = list(range(args.first_seed, args.first_seed + n))
    if args.with_r and not r_available():
        sys.exit(
            "--with-r: Rscript with the surveillance package is not installed "
            "(Debian: apt-get install r-cran-surveillance)"
        )
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)

    runs = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = args.keep or Path(tmp_name)
        for seed in seeds:
            run = run_seed(
                seed,
                tmp,
                args.with_r,
                {
                    **METHODS,
                    **(VARIANTS if args.small_fields else {}),
                    **(GLR_VARIANTS if args.glr else {}),
                    **(SIMES_VARIANTS if args.simes else {}),
                    **(CHOICE_VARIANTS if args.choice else {}),
                    **budgets,
                },
            )
            runs.append(run)
            times = ", ".join(f"{k} {v:.1f}s" for k, v in run["times"].items())
            print(f"seed {seed}: {times}", flush=True)
    per_method: dict[str, list[dict]] = {}
    for run in runs:
        for name, sc in run["scores"].items():
            per_method.setdefault(name, []).append(sc)
    if not args.with_r:
        per_method.update(saved_r(RESULTS, seeds))
    if args.save:
        save(runs, RESULTS)

    truth = runs[0]["truth"]
    print(
        f"\n{len(seeds)} seed(s) {seeds}; evaluated {truth.attrs['eval_start']:%Y-%m}.."
        f"{truth.attrs['eval_end']:%Y-%m} ({runs[0]['scores']['default']['summary']['months'].iloc[0]} "
        f"months), 25 classes / 8 divisions; per seed 16 events, 2 exposure shocks, 1 campaign, "
        f"{int((truth['kind'] == 'season').sum())} seasons"
    )
    table = pd.DataFrame({name: summarize(res) for name, res in per_method.items()})
    print(
        "POD with 95% Wilson interval (events pooled over seeds); false flags/month and decoy flags: "
        "mean ± sd across seeds"
    )
    print(table.to_string())
    print("\nGoal (POD ≥ 0.9, ≤ 0.2 false flags/month, no decoy flag):")
    for name, res in per_method.items():
        print(f"  {name:<20} {goal_line(res)}")

    print(
        "\nFlags per cell in decoy windows and in clean cells (noise alone: about equal); decoy flags "
        "expected from noise alone (decoy cells × clean rate) and the Poisson chance of none:"
    )
    for name in runs[0]["decoys"]:
        d = pd.DataFrame([r["decoys"][name] for r in runs])
        dec = (d["decoy_rate"] * d["decoy_cells"]).sum() / d["decoy_cells"].sum()
        cln = (d["clean_rate"] * d["clean_cells"]).sum() / d["clean_cells"].sum()
        noise = cln * d["decoy_cells"].sum()
        print(
            f"  {name:<22} decoy cells {100 * dec:.2f} % ({int(d['decoy_cells'].sum())}), clean cells "
            f"{100 * cln:.2f} %; from noise {noise:.1f} decoy flags, P(none) {np.exp(-noise):.2f}"
        )

    print("\nMissed events by cause (cell with the smallest p-value in the detection window):")
    for name in METHODS:
        causes = pd.concat([r["causes"][name] for r in runs], ignore_index=True)
        if causes.empty:
            print(f"  {name}: none missed")
            continue
        tally = (
            causes.groupby(["kind", "size", "cause"])
            .agg(n=("event_id", "size"), lambda_needed_median=("lambda_needed", "median"))
            .round(2)
            .reset_index()
        )
        print(f"  {name}:")
        print("    " + tally.to_string(index=False).replace("\n", "\n    "))
        need = ", ".join(f"{x:.2f}" for x in sorted(causes["lambda_needed"].dropna()))
        print(f"    false_flags needed to flag each missed event (smallest p_adjusted in its window): {need}")
    times = pd.DataFrame([r["times"] for r in runs])
    print("\nSeconds per seed (mean): " + ", ".join(f"{c} {times[c].mean():.1f}" for c in times.columns))


if __name__ == "__main__":
    main()
