"""The 2024–2025 rules in the candidate list (issue 12), on hand-built workspaces with known answers:
the contact ledger and the annual on-site cap, credit-risk classes (as-of, draw weights, never
outward), education after 不予处罚 and 信用修复 reminders."""

from __future__ import annotations

import itertools

import pytest
from risk_helpers import business, inspection, make_ws, penalty, permit

import guidance_analytics as ga
from guidance_analytics.core import config_file
from guidance_analytics.targeting import (
    AT_CAP,
    candidates,
    contact_rules,
    contacts,
    credit_classes_as_of,
    features,
)

pytestmark = pytest.mark.slow  # every candidate list scores the businesses

AS_OF = "2024-07-01"
_n = itertools.count(1)


def typed_inspection(con, bid: str, day: str, kind: str, result: str = "未发现问题") -> None:
    con.execute(
        "INSERT INTO inspections (inspection_no, inspected_on, business_id, inspection_type, result, problem_count)"
        " VALUES ($k, $d, $b, $t, $r, $p)",
        {
            "k": f"T{next(_n)}",
            "d": day,
            "b": bid,
            "t": kind,
            "r": result,
            "p": 0 if result == "未发现问题" else 1,
        },
    )


def entry(con, bid: str, day: str, method: str, channel: str | None, decision_no: str | None = None) -> None:
    """A register entry inserted as the register stores it (only what the rules read)."""
    seq = next(_n)
    con.execute(
        "INSERT INTO register_entries (year, seq, guided_on, matter, officers, method, business_id, dedup_key,"
        " status, created_at, channel, decision_no, evidence) VALUES ($y, $s, $d, '事项', '张三', $m, $b, $k,"
        " '已登记', CAST($d AS TIMESTAMP), $c, $n, NULL)",
        {
            "y": int(day[:4]),
            "s": seq,
            "d": day,
            "m": method,
            "b": bid,
            "k": f"k{seq}",
            "c": channel,
            "n": decision_no,
        },
    )


def waiver(con, bid: str, day: str, no: str, kind: str = "首违不罚", violation: str = "未按规定公示") -> None:
    con.execute(
        "INSERT INTO penalties (decision_no, business_id, decided_on, waiver, decision_type, violation_type)"
        " VALUES ($k, $b, $d, $w, '不予行政处罚', $v)",
        {"k": no, "b": bid, "d": day, "w": kind, "v": violation},
    )


def credit(con, bid: str, day: str, cls: str) -> None:
    con.execute(
        "INSERT INTO credit_classes (class_key, business_id, uscc, risk_class, classified_on)"
        " VALUES ($k, $b, $b, $c, $d)",
        {"k": f"{bid}|{day}", "b": bid, "c": cls, "d": day},
    )


# -- the ledger and the cap ------------------------------------------------------------------------
def _cap_scenario(con) -> None:
    for bid in ("CAP", "UNDER", "CAMPAIGN", "GUIDED"):
        business(con, bid)
        permit(con, bid, "2024-02-01", item="建筑工程施工许可")  # → 案件回访 (on-site by default)
    typed_inspection(con, "CAP", "2024-03-01", "双随机抽查")
    typed_inspection(con, "CAP", "2024-05-01", "日常检查")
    typed_inspection(con, "CAP", "2023-05-01", "日常检查")  # last year: not this year's cap
    typed_inspection(con, "UNDER", "2024-03-01", "双随机抽查")
    typed_inspection(con, "UNDER", "2024-04-01", "投诉核查")  # complaint-triggered 个案: not counted
    typed_inspection(con, "UNDER", "2024-05-01", "投诉核查")
    typed_inspection(con, "CAMPAIGN", "2024-03-01", "专项检查")  # campaign from above: not counted
    typed_inspection(con, "CAMPAIGN", "2024-04-01", "专项检查")
    typed_inspection(con, "GUIDED", "2024-03-01", "双随机抽查")
    entry(con, "GUIDED", "2024-04-01", "案件回访", "入企")  # an on-site 回访 counts
    entry(con, "GUIDED", "2024-05-01", "提示提醒", "书面")  # a letter does not


@pytest.fixture()
def cap_ws(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        _cap_scenario(con)
    return ws


def test_ledger_counts_on_site_contacts_by_kind_and_channel(cap_ws):
    ledger = contacts(cap_ws, 2024, as_of=AS_OF).set_index("business_id")
    assert ledger.loc["CAP", ["checks_routine", "on_site_counted", "remaining"]].tolist() == [2, 2, 0]
    assert bool(ledger.loc["CAP", "at_cap"])
    assert ledger.loc["UNDER", ["checks_routine", "checks_case", "on_site_counted"]].tolist() == [1, 2, 1]
    assert ledger.loc["CAMPAIGN", ["checks_campaign", "on_site_counted", "remaining"]].tolist() == [2, 0, 2]
    assert ledger.loc["GUIDED", ["guidance_on_site", "guidance_written", "on_site_counted"]].tolist() == [
        1,
        1,
        2,
    ]
    assert ledger.loc["GUIDED", "guidance_by_method"] == "提示提醒1次；案件回访1次"
    assert (ledger["cap"] == 2).all()
    # as of a date: the second routine check of CAP is not known yet on 2024-04-01
    early = contacts(cap_ws, 2024, as_of="2024-04-01").set_index("business_id")
    assert early.loc["CAP", "on_site_counted"] == 1 and not bool(early.loc["CAP", "at_cap"])
    assert set(contacts(cap_ws, 2023)["business_id"]) == {"CAP"}


def test_business_at_its_cap_gets_the_off_site_form(cap_ws):
    cands = candidates(cap_ws, AS_OF, capacity=100, use_hotspots=False).set_index("business_id")
    assert cands.loc["CAP", "action"] == "案件回访"
    assert cands.loc["CAP", "channel"] == "电话"  # never 入企
    assert "本年度已入企2次（每户每年上限2次），改为电话方式" in cands.loc["CAP", "reasons"]
    assert "GUIDED" not in cands.index  # its registered 回访 starts a cooldown (its ledger: above)
    # complaint checks and campaigns do not count: these are still visited
    assert cands.loc["UNDER", "channel"] == "入企"
    assert cands.loc["CAMPAIGN", "channel"] == "入企"
    assert "本年度已入企1次" in cands.loc["UNDER", "reasons"]  # a repeated contact is shown
    assert cands.loc["CAP", ["on_site_counted", "cap"]].tolist() == [2, 2]


def test_without_an_off_site_form_the_capped_business_is_listed_not_proposed(cap_ws):
    text = config_file(None, "contacts.toml").read_text(encoding="utf-8")
    text = text.replace(
        '"案件回访" = { channel = "入企", offsite = "电话" }',
        '"案件回访" = { channel = "入企", offsite = "" }',
    )
    cap_ws.config_dir.mkdir(parents=True, exist_ok=True)
    (cap_ws.config_dir / "contacts.toml").write_text(text, encoding="utf-8")
    cands = candidates(cap_ws, AS_OF, capacity=100, use_hotspots=False)
    assert "CAP" not in set(cands["business_id"])
    assert not ((cands["channel"] == "入企") & cands["business_id"].isin(["CAP", "GUIDED"])).any()
    pool = cands.attrs["pool"].set_index("business_id")
    assert pool.loc["CAP", "status"] == AT_CAP
    assert "已达上限且无非现场方式" in pool.loc["CAP", "reasons"]
    assert pool.loc["UNDER", "status"] == "入选"


def test_counted_check_types_are_configuration(cap_ws):
    text = config_file(None, "contacts.toml").read_text(encoding="utf-8")
    text = text.replace('counted_check_types = ["日常"]', 'counted_check_types = ["日常", "个案"]')
    cap_ws.config_dir.mkdir(parents=True, exist_ok=True)
    (cap_ws.config_dir / "contacts.toml").write_text(text, encoding="utf-8")
    ledger = contacts(cap_ws, 2024, as_of=AS_OF).set_index("business_id")
    assert ledger.loc["UNDER", "on_site_counted"] == 3 and bool(ledger.loc["UNDER", "at_cap"])


def test_a_zero_class_weight_is_refused(tmp_path):
    ws = make_ws(tmp_path)
    text = config_file(None, "contacts.toml").read_text(encoding="utf-8").replace("A = 0.5", "A = 0")
    ws.config_dir.mkdir(parents=True, exist_ok=True)
    (ws.config_dir / "contacts.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="不免抽"):
        contact_rules(ws)


# -- credit-risk classes ---------------------------------------------------------------------------
@pytest.fixture()
def credit_ws(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        for bid in ("LOW", "HIGH", "NONE"):
            business(con, bid)
            permit(con, bid, "2021-08-01", valid_to="2024-08-01")  # all three: 提示提醒 (licence expiring)
        credit(con, "LOW", "2024-01-05", "B")
        credit(con, "LOW", "2024-06-05", "A")
        credit(con, "HIGH", "2024-01-05", "B")
        credit(con, "HIGH", "2024-06-05", "D")
        credit(con, "HIGH", "2024-07-01", "A")  # dated on the planning day: not known yet
    return ws


def test_credit_class_is_as_of_correct(credit_ws):
    def on(day):
        got = credit_classes_as_of(credit_ws, day)
        return dict(zip(got["business_id"], got["risk_class"], strict=True))

    assert on("2024-01-05") == {}
    assert on("2024-01-06") == {"LOW": "B", "HIGH": "B"}
    assert on("2024-06-05") == {"LOW": "B", "HIGH": "B"}
    assert on("2024-06-06") == {"LOW": "A", "HIGH": "D"}
    assert on(AS_OF) == {"LOW": "A", "HIGH": "D"}
    feats = features(credit_ws, AS_OF, use_hotspots=False).set_index("business_id")
    assert feats.loc[["LOW", "HIGH", "NONE"], "credit_class_level"].tolist() == [1.0, 4.0, 0.0]


def test_credit_class_sets_the_draw_weights_and_excludes_no_one(credit_ws):
    cands = candidates(credit_ws, AS_OF, capacity={"提示提醒": 1}, draw=True, use_hotspots=False)
    pool = cands.attrs["pool"].set_index("business_id")
    assert pool.loc[["LOW", "HIGH", "NONE"], "credit_class"].fillna("").tolist() == ["A", "D", ""]
    # equal scores: weights A 0.5, D 4.0, none 1.0 → inclusion probabilities 0.5/5.5, 4/5.5, 1/5.5
    assert pool.loc["LOW", "score"] == pool.loc["HIGH", "score"] == pool.loc["NONE", "score"]
    pi = pool.loc[["LOW", "HIGH", "NONE"], "inclusion_prob"].to_numpy()
    assert pi == pytest.approx([0.5 / 5.5, 4.0 / 5.5, 1.0 / 5.5])
    assert (pi > 0).all()  # 不免抽
    # without classes the draw is even
    with credit_ws.store.transaction() as con:
        con.execute("DELETE FROM credit_classes")
    even = candidates(credit_ws, AS_OF, capacity={"提示提醒": 1}, draw=True, use_hotspots=False)
    assert even.attrs["pool"]["inclusion_prob"].to_numpy() == pytest.approx([1 / 3] * 3)


# -- education after 不予处罚 -----------------------------------------------------------------------
@pytest.fixture()
def edu_ws(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        for bid in ("WAIVED", "TWICE", "PLAIN"):
            business(con, bid)
            permit(con, bid, "2020-01-01", valid_to="2030-01-01")
        waiver(con, "WAIVED", "2024-06-01", "源市监不罚〔2024〕7号")
        waiver(con, "TWICE", "2024-05-01", "源市监不罚〔2024〕3号", kind="轻微违法不罚")
        waiver(con, "TWICE", "2024-06-10", "源市监不罚〔2024〕9号")
    return ws


def _education(cands):
    return cands[cands["decision_no"].fillna("").str.contains("不罚")]


def test_a_waiver_yields_exactly_one_education_candidate(edu_ws):
    day_of = candidates(edu_ws, "2024-06-01", capacity=100, use_hotspots=False)
    assert "WAIVED" not in set(_education(day_of)["business_id"])  # from the day after the decision
    cands = candidates(edu_ws, "2024-06-02", capacity=100, use_hotspots=False)
    rows = cands[cands["business_id"] == "WAIVED"]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["action"] == "劝导警示" and row["channel"] == "书面"
    assert row["decision_no"] == "源市监不罚〔2024〕7号"
    assert "源市监不罚〔2024〕7号" in row["evidence"] and "第三十三条" in row["evidence"]
    assert row["legal_basis"].startswith("《中华人民共和国行政处罚法》第三十三条")
    assert not row["overdue"]
    assert "PLAIN" not in set(_education(cands)["business_id"])
    # overdue after [education] overdue_days (15)
    late = candidates(edu_ws, "2024-06-17", capacity=100, use_hotspots=False).set_index("business_id")
    # two open decisions: still one row, the earliest, the other counted
    assert late.index.tolist().count("TWICE") == 1
    assert late.loc["TWICE", "decision_no"] == "源市监不罚〔2024〕3号"
    assert "另有1件待教育" in late.loc["TWICE", "evidence"]
    assert bool(late.loc["WAIVED", "overdue"]) and "逾期" in late.loc["WAIVED", "reasons"]
    # the duty is never dropped for capacity
    tight = candidates(edu_ws, "2024-06-17", capacity={"劝导警示": 1}, use_hotspots=False)
    assert {"WAIVED", "TWICE"} <= set(tight["business_id"])


def test_no_education_candidate_once_its_guidance_is_registered(edu_ws):
    with edu_ws.store.transaction() as con:
        entry(con, "WAIVED", "2024-06-05", "劝导警示", "书面", decision_no="源市监不罚〔2024〕7号")
    cands = candidates(edu_ws, "2024-06-20", capacity=100, use_hotspots=False)
    assert "WAIVED" not in set(_education(cands)["business_id"])
    assert "TWICE" in set(_education(cands)["business_id"])  # its own decisions are still open


def test_waivers_are_not_violations(edu_ws):
    feats = features(edu_ws, "2024-07-01", use_hotspots=False).set_index("business_id")
    assert feats.loc["WAIVED", "pen_12m"] == 0 and feats.loc["TWICE", "pen_24m"] == 0
    with edu_ws.store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM penalty_violations").fetchone()[0] == 0
    # no 约谈 for a "recent penalty", no enforcement: the waivers' rows are the education duties
    cands = candidates(edu_ws, "2024-07-01", capacity=100, use_hotspots=False).set_index("business_id")
    assert not cands["action"].isin(["约谈", "移送执法"]).any()
    assert cands.loc[["WAIVED", "TWICE"], "action"].tolist() == ["劝导警示", "劝导警示"]


# -- 信用修复 reminders -----------------------------------------------------------------------------
@pytest.fixture()
def repair_ws(tmp_path):
    ws = make_ws(tmp_path)
    with ws.store.transaction() as con:
        for bid in ("WARNED", "AGAIN", "FOOD"):
            business(con, bid, industry="5211")
            permit(con, bid, "2020-01-01", valid_to="2030-01-01")
        penalty(con, "WARNED", "2024-01-10", "警告", "未按规定亮证经营")  # small: 3 months → 2024-04-10
        penalty(con, "AGAIN", "2024-01-10", "警告", "未按规定亮证经营")
        inspection(con, "AGAIN", "2024-03-01", "发现问题已当场整改")  # a repeat before eligibility
        penalty(con, "FOOD", "2023-01-10", "罚款", "销售过期食品", fine=2000.0)  # food: 24 months
    return ws


def _repair(cands, bid):
    rows = cands[
        (cands["business_id"] == bid)
        & (cands["catalog_name"].fillna("") + cands["reasons"]).str.contains("信用修复")
    ]
    return rows


def test_credit_repair_reminder_from_the_first_eligible_date(repair_ws):
    before = candidates(repair_ws, "2024-04-09", capacity=100, use_hotspots=False)
    assert _repair(before, "WARNED").empty
    on = candidates(repair_ws, "2024-04-10", capacity=100, use_hotspots=False)
    row = _repair(on, "WARNED")
    assert len(row) == 1
    row = row.iloc[0]
    assert row["action"] == "提示提醒" and row["channel"] == "书面"
    assert "2024年4月10日届满" in row["reasons"]
    assert "可依法申请信用修复" in row["facts"]
    assert row["decision_no"] in row["evidence"]
    # a repeat violation since the penalty: no reminder (it is routed to enforcement instead)
    assert _repair(on, "AGAIN").empty
    # food: the long period (24 months), not the short one
    assert _repair(on, "FOOD").empty
    food = candidates(repair_ws, "2025-01-10", capacity=100, use_hotspots=False)
    assert len(_repair(food, "FOOD")) == 1
    assert _repair(candidates(repair_ws, "2025-01-09", capacity=100, use_hotspots=False), "FOOD").empty


def test_credit_repair_reminder_ends(repair_ws):
    # after remind_days (90) it is no longer proposed; nor once registered
    assert _repair(candidates(repair_ws, "2024-07-09", capacity=100, use_hotspots=False), "WARNED").empty
    got = candidates(repair_ws, "2024-05-01", capacity=100, use_hotspots=False)
    no = _repair(got, "WARNED").iloc[0]["decision_no"]
    with repair_ws.store.transaction() as con:
        entry(con, "WARNED", "2024-05-02", "提示提醒", "书面", decision_no=no)
    assert _repair(candidates(repair_ws, "2024-05-03", capacity=100, use_hotspots=False), "WARNED").empty


def test_workspace_facade_has_the_ledger(cap_ws):
    assert isinstance(cap_ws, ga.Workspace)
    assert cap_ws.contacts(2024, as_of=AS_OF).equals(contacts(cap_ws, 2024, as_of=AS_OF))
