"""Ground-truth files of the sample generator (``truth/``). Never read by the analytics modules."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import VIOLATION_NAMES
from .events import Hotspot, World

README = """# 真值 / Ground truth of the synthetic sample set

Generated together with the sample files by `guidance_analytics.samples.generate_samples`
(spec in `spec.json`). These files describe what was planted; the analytics code must never read
them — they exist to check its findings. Months are `YYYY-MM`, dates `YYYY-MM-DD`.

| file | content |
|---|---|
| `planted_hotspots.csv` | one row per planted cell: `hotspot_id, by, field, field_label, township, industry_division, violation_type, period_start, period_end, factor, recurrent, latent_in_cell, expected_in_cell, expected_without_factor, latent_baseline`. `by` is `township`, `industry_division` (2-digit GB/T 4754 division, e.g. `62` = 餐饮业), `violation_type` (违法行为类型) or `township+industry_division` (`field` = `鲁村镇|62`); `field_label` writes the same as `H62`, `鲁村镇`, `H62×鲁村镇`. The latent violation rate of every business in the cell was multiplied by `factor` during `period_start..period_end` (inclusive months). `R1` is recurrent (every July–August, one row per year). `latent_in_cell` counts the latent violations realised in the cell; `expected_in_cell` / `expected_without_factor` are the model's expected counts with and without the factor (exact: the summed intensities); `latent_baseline` is a naive count from the same field's other (non-planted) months. |
| `risky_businesses.csv` | the ~3 % businesses with a persistently high latent violation rate (`risk_mult` 5–8× the typical business, plus the same recency effect as everyone: each violation raises the rate for the next months, at most doubling it): `truth_id, uscc, name, township, industry_code, risk_mult`. `uscc` is as written in the files (may be the placeholder or carry a wrong check character). |
| `businesses.csv` | every business: names (`name` official, `name_core`, `sign_name`), codes (`uscc` as written, `uscc_issued` the valid code, `placeholder`, `wrong_check`), township, industry, open/close dates, `risk_kind` (`normal`, `risky`, `deteriorating` — rate rising up to 3× over `traj_len` months from `traj_start`, `improving` — falling from 1.8× to 0.6×), `risk_mult`, `boom`. |
| `complaint_targets.csv` | every 12345 work order: `order_no` → `truth_id`/`uscc`/`name` of the business really meant (all empty when the order is not about a licence holder: `matchable = False`), `target_name` as written, `variant` (`full`, `core`, `sign`, `sign_generic`, `township_sign`, `uscc`, `vague`), `origin` (`violation` — caused by a latent violation `violation_id`; `unfounded` — about a business, nothing behind it; `unmatchable`), `file` (both files for updated rows), `defect`. |
| `exposure_only_field.csv` | the licence boom: 民宿服务 (class `6130`, division `61`) licences multiply between `boom_start` and `boom_end`; violations rise with them but the rate per active business is unchanged: `expected_rate_before` ≈ `expected_rate_after` (model intensity, latent violations per 100 business-months before the boom and after it; `rate_before`/`rate_after` are the realised rates, noisier — only ~16 such businesses before the boom). The boom townships (燕崖镇, 中庄镇, 石桥镇) carry no planted hotspot, and businesses of the boom class are all of normal risk (no risky / deteriorating / improving ones). A detector that normalises by exposure should not flag it. |
| `violations.csv` | every latent violation: `violation_id, truth_id, date, violation_type, complained, found` (found by an inspection). Use it to score risk models (future violations, not only detected ones). |
| `campaigns.csv` | inspection campaigns (专项检查): more inspections in these families and months — an enforcement-intensity change, not a violation hotspot. |
| `waivers.csv` | the 不予行政处罚 decisions (首违不罚 / 轻微违法不罚, 行政处罚法 第三十三条) in the penalties export: `decision_no, truth_id, decided_on, waiver, violation_type`; each follows a first minor violation corrected on the spot. None of them is a violation. |
| `credit_classes.csv` | every 企业信用风险分类 row of `credit_classes_*.csv`: `truth_id, uscc, classified_on, risk_class` (A–D, drawn from the business's latent risk kind: informative, not the truth). |
| `routine_at_cap.csv` | business-years whose routine checks (双随机抽查, 日常检查) reach 2, the default annual on-site cap: `truth_id, year, routine_checks` (complaint checks 投诉核查, 许可勘验 and campaigns 专项检查 not counted). |
| `guidance.csv` | the planted guidance (`guidance_analytics/samples/guidance.py`): one row per guided business and round — `truth_id, uscc, guided_on, method` (约谈 for the risky businesses, 提示提醒 for the others; drawn with probability ∝ `risk_mult` among businesses operating a year before to six months after the round, valid credit code, not guided in the previous 12 months, outside the planted township/division hotspot cells the 12-month effect would overlap — the recurrent summer cell R1 included, so food service (division 62) is never guided; 14 per quarter 2022-04 … 2024-04), `effect` (the latent violation rate is multiplied by `1 + effect` — 约谈 −0.5, 提示提醒 −0.3 — for `effect_months` = 12 months from the guidance month), `risk_kind, risk_mult`, `latent_post_6m` / `latent_post_6m_without` (expected latent violations in the 6 months from the guidance month with and without the effect; the effect is realised by thinning after every record was generated: each latent violation in the effect window is prevented with probability `−effect`, with the complaints, 投诉核查 and findings/penalties it caused — so `violations.csv` holds only the violations that happened, and every other business's records are as without guidance). The reviewed lists the bureau would have kept are `guidance/指导记录_<day>.csv` beside the exports (是否采纳 = 是; register each with `ws.add_to_register(path, today=<day>)`); the exports themselves do not mention guidance. |
| `defects.csv` | every deliberate defect: `file, kind, defect, column, count, keys` (natural keys of the affected rows, `;`-joined). |

Defect names: `bad_date`, `missing_required`, `unknown_enum`, `exact_duplicate_row`, `stray_spaces`,
`fullwidth_code`, `lowercase_code`, `wrong_check_char`, `placeholder_code`, `text_date_in_serial_column`,
`open_then_updated` / `updated_row` (same 工单编号 again in the later file with 办结时间/办理结果 filled),
`legacy_request_type` (求决/揭发控告/申诉), `township_alias` (南麻镇).
"""


def _ym(months: pd.DatetimeIndex, i: int) -> str:
    return f"{months[i]:%Y-%m}"


def _runs(idx: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in sorted(idx):
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _in_field(v: pd.DataFrame, h: Hotspot) -> pd.Series:
    m = pd.Series(True, index=v.index)
    if h.township:
        m &= v["township"] == h.township
    if h.division:
        m &= v["division"] == h.division
    if h.violation_type:
        m &= v["violation_type"] == h.violation_type
    return m


def write_truth(
    truth: Path,
    w: World,
    hotspots: list[Hotspot],
    boom: dict,
    comp: pd.DataFrame,
    labels: pd.DataFrame,
    insp: pd.DataFrame,
    pen: pd.DataFrame,
    permits: pd.DataFrame,
    defects,
    spec,
    campaigns,
) -> Path:
    truth.mkdir(parents=True, exist_ok=True)
    biz = w.biz
    months = w.months
    (truth / "README.md").write_text(README, encoding="utf-8")
    (truth / "spec.json").write_text(
        json.dumps(asdict(spec), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )

    # latent violations
    v = pd.DataFrame(w.violations)
    v["truth_id"] = biz["truth_id"].to_numpy()[v["biz"]]
    v["township"] = biz["township"].to_numpy()[v["biz"]]
    v["division"] = biz["division"].to_numpy()[v["biz"]]
    v["violation_type"] = [VIOLATION_NAMES[t] for t in v["type"]]
    v[["vid", "truth_id", "date", "violation_type", "complained", "found"]].rename(
        columns={"vid": "violation_id"}
    ).to_csv(truth / "violations.csv", index=False, lineterminator="\n")

    # planted hotspots
    sections = dict(zip(biz["division"], biz["section"], strict=True))
    rows = []
    planted_months: dict[str, set[int]] = {}
    for h in hotspots:
        planted_months.setdefault(_field_key(h), set()).update(h.months)
    for h in hotspots:
        inf = _in_field(v, h)
        per_month = v[inf].groupby("month").size().reindex(range(len(months)), fill_value=0)
        other = [m for m in range(len(months)) if m not in planted_months[_field_key(h)]]
        if h.recurrent:  # baseline from the same field in non-summer months
            other = [m for m in other if months[m].month not in (7, 8)]
        base = float(per_month.iloc[other].mean()) if other else float("nan")
        for run in _runs(h.months):
            rows.append(
                {
                    "hotspot_id": h.hotspot_id,
                    "by": h.by,
                    "field": _field_value(h),
                    "field_label": _field_label(h, sections),
                    "township": h.township,
                    "industry_division": h.division,
                    "violation_type": h.violation_type,
                    "period_start": _ym(months, run[0]),
                    "period_end": _ym(months, run[-1]),
                    "factor": h.factor,
                    "recurrent": h.recurrent,
                    "latent_in_cell": int(per_month.iloc[run].sum()),
                    "expected_in_cell": round(sum(h.expected.get(m, (0.0, 0.0))[0] for m in run), 2),
                    "expected_without_factor": round(sum(h.expected.get(m, (0.0, 0.0))[1] for m in run), 2),
                    "latent_baseline": round(base * len(run), 2),
                }
            )
    pd.DataFrame(rows).to_csv(truth / "planted_hotspots.csv", index=False, lineterminator="\n")

    # businesses
    b = biz.copy()
    b["open_date"] = b["open_date"].dt.strftime("%Y-%m-%d")
    b["close_date"] = b["close_date"].dt.strftime("%Y-%m-%d").fillna("")
    b["risk_mult"] = b["risk_mult"].round(4)
    cols = [
        "truth_id",
        "uscc",
        "uscc_issued",
        "placeholder",
        "wrong_check",
        "name",
        "name_core",
        "sign_name",
        "subject_type",
        "legal_rep",
        "township",
        "address",
        "industry_code",
        "industry_name",
        "division",
        "section",
        "family",
        "open_date",
        "close_date",
        "risk_kind",
        "risk_mult",
        "traj_start",
        "traj_len",
        "boom",
    ]
    b[cols].to_csv(truth / "businesses.csv", index=False, lineterminator="\n")
    b.loc[
        b["risk_kind"] == "risky", ["truth_id", "uscc", "name", "township", "industry_code", "risk_mult"]
    ].to_csv(truth / "risky_businesses.csv", index=False, lineterminator="\n")

    # complaint targets
    c = comp.merge(labels, on="order_no", how="left")
    dmap = {}
    for rec in defects.records:
        if rec["kind"] == "complaints" and rec["keys"]:
            for k in rec["keys"].split(";"):
                dmap.setdefault(k, []).append(rec["defect"])
    c["defect"] = c["order_no"].map(lambda k: ";".join(dict.fromkeys(dmap.get(k, []))))
    c["matchable"] = c["truth_id"] != ""
    c["violation_id"] = c["vid"].map(lambda x: "" if x is None or pd.isna(x) else str(int(x)))
    c = c.rename(columns={"true_name": "name"})
    c[
        [
            "order_no",
            "file",
            "truth_id",
            "uscc",
            "name",
            "target_name",
            "variant",
            "origin",
            "matchable",
            "violation_id",
            "inline_phone",
            "defect",
        ]
    ].to_csv(truth / "complaint_targets.csv", index=False, lineterminator="\n")

    # licence boom
    pd.DataFrame(_boom_rows(w, boom, permits, v)).to_csv(
        truth / "exposure_only_field.csv", index=False, lineterminator="\n"
    )
    pd.DataFrame(
        [
            {
                "campaign": n,
                "families": "|".join(sorted(f)),
                "calendar_months": "|".join(map(str, sorted(m))),
                "share_drawn_per_month": s,
            }
            for n, f, m, s in campaigns
        ]
    ).to_csv(truth / "campaigns.csv", index=False, lineterminator="\n")

    # defects (plus code defects that live in the business table)
    recs = list(defects.records)
    wrong = set(biz.loc[biz["wrong_check"], "truth_id"])
    ph = set(biz.loc[biz["placeholder"], "truth_id"])
    for kind, df, key in (
        ("permits", permits, "permit_no"),
        ("inspections", insp, "inspection_no"),
        ("penalties", pen, "decision_no"),
    ):
        for defect, ids in (("wrong_check_char", wrong), ("placeholder_code", ph)):
            m = df["truth_id"].isin(ids) if len(df) else pd.Series(dtype=bool)
            if m.any():
                recs.append(
                    {
                        "file": "(all files of the kind)",
                        "kind": kind,
                        "defect": defect,
                        "column": "统一社会信用代码",
                        "count": int(m.sum()),
                        "keys": ";".join(df.loc[m, key]),
                    }
                )
    recs.append(
        {
            "file": "(business table)",
            "kind": "businesses",
            "defect": "wrong_check_char",
            "column": "统一社会信用代码",
            "count": len(wrong),
            "keys": ";".join(biz.loc[biz["wrong_check"], "uscc"]),
        }
    )
    pd.DataFrame(recs).to_csv(truth / "defects.csv", index=False, lineterminator="\n")
    return truth


def _field_key(h: Hotspot) -> str:
    return f"{h.by}:{_field_value(h)}"


def _field_value(h: Hotspot) -> str:
    if h.by == "township+industry_division":
        return f"{h.township}|{h.division}"
    return h.township or h.division or h.violation_type


def _field_label(h: Hotspot, sections: dict[str, str]) -> str:
    """Label in the style of the hotspot reports: ``H62``, ``鲁村镇``, ``H62×鲁村镇``."""
    div = f"{sections.get(h.division, '')}{h.division}" if h.division else ""
    return "×".join(x for x in (div, h.township, h.violation_type) if x)


def _boom_rows(w: World, boom: dict, permits: pd.DataFrame, v: pd.DataFrame) -> list[dict]:
    biz = w.biz
    months = w.months
    b0, b1 = pd.Timestamp(boom["start"]), pd.Timestamp(boom["end"])
    rows = []
    for by, field, col in (
        ("industry_class", boom["industry_code"], "industry_code"),
        ("industry_division", boom["industry_code"][:2], "division"),
    ):
        ids = set(biz.loc[biz[col] == field, "truth_id"])
        p = permits[permits["truth_id"].isin(ids)]
        frm = pd.to_datetime(p["valid_from"])
        to = pd.to_datetime(p["valid_to"].map(lambda d: min(d, pd.Timestamp("2262-01-01").date())))
        active = np.array([int(((frm <= m) & (to >= m)).sum()) for m in months])
        opened = biz["open_date"].to_numpy()
        closed = biz["close_date"].fillna(pd.Timestamp("2262-01-01")).to_numpy()
        inb = (biz[col] == field).to_numpy()
        bm = np.array(
            [int((inb & (opened <= m.to_datetime64()) & (closed >= m.to_datetime64())).sum()) for m in months]
        )
        vm = v[v["truth_id"].isin(ids)].groupby("month").size().reindex(range(len(months)), fill_value=0)
        before = np.asarray(months < b0)
        after = np.asarray(months > b1)
        rate_b = 100.0 * vm[before].sum() / max(bm[before].sum(), 1)
        rate_a = 100.0 * vm[after].sum() / max(bm[after].sum(), 1) if after.any() else float("nan")
        lam = w.lam[inb]
        exp_b = 100.0 * lam[:, before].sum() / max(bm[before].sum(), 1)
        exp_a = 100.0 * lam[:, after].sum() / max(bm[after].sum(), 1) if after.any() else float("nan")
        ib = int(np.flatnonzero(before)[-1]) if before.any() else 0
        ia = int(np.flatnonzero(months <= b1)[-1])
        rows.append(
            {
                "by": by,
                "field": field,
                "boom_start": f"{b0:%Y-%m}",
                "boom_end": f"{b1:%Y-%m}",
                "active_licences_before": int(active[ib]),
                "active_licences_after": int(active[ia]),
                "businesses_opened_in_boom": int(biz["boom"].sum()),
                "rate_before": round(rate_b, 3),
                "rate_after": round(rate_a, 3),
                "expected_rate_before": round(exp_b, 3),
                "expected_rate_after": round(exp_a, 3),
                "note": "licence count rises sharply; violations rise in proportion — exposure explains it",
            }
        )
    return rows
