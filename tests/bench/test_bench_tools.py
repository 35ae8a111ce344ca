"""The benchmark tools work at a tiny scale (no timings are asserted: speed is measured by
scripts/bench.sh, never tested)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from audit.verify import verify_chain
from bench import baseline_wsgi, cpu, dataset, ig, load, run
from careplan.extensions import db


def test_generated_data_set_is_a_valid_world(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    figures = dataset.generate(tmp_path, 0.0002, [url], show=False)
    assert figures["counts"]["audit_records"] == 2000
    app = dataset.app_for(url, tmp_path)
    pairs = json.loads((tmp_path / "pairs.json").read_text())
    with app.app_context():
        result = verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public)
        assert result.ok
        assert result.checked == 2000
    client = app.test_client()
    for pair in pairs["pairs"][:5]:
        response = client.get(
            f"/api/v1/people/{pair['person']}/plan",
            headers={"Authorization": f"Bearer {pair['token']}"},
        )
        assert response.status_code == 200
        body = response.get_json()
        if pair["as"] == "key_worker":
            assert body["withheld"] == []
        assert body["sections"]["about_me"]["content"]["my_story"]
    assert ig.ig_queries(app, pairs["sample"], 2)["person_access_log (page of 50)"]["runs"] == 2
    with app.app_context():
        db.engine.dispose()


def test_baseline_chains_onto_the_same_log(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    dataset.generate(tmp_path, 0.0002, [url], show=False)
    pair = json.loads((tmp_path / "pairs.json").read_text())["pairs"][0]
    monkeypatch.setenv("BENCH_DB_URL", url)
    monkeypatch.setattr(baseline_wsgi, "_conn", None)
    status, _ = baseline_wsgi.plan_view(pair["token"], pair["person"])
    assert status == 200
    baseline_wsgi._conn.close()
    monkeypatch.setattr(baseline_wsgi, "_conn", None)
    app = dataset.app_for(url, tmp_path)
    with app.app_context():
        assert verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public).ok
        db.engine.dispose()


# --- CPU time per request, read from /proc (a fake tree: no timing is involved) ----------
def fake_process(proc: Path, pid: int, ppid: int, utime: int, stime: int, name: str) -> None:
    """A /proc/PID/stat as Linux writes it: utime and stime are fields 14 and 15."""
    folder = proc / str(pid)
    folder.mkdir(parents=True, exist_ok=True)
    after_name = ["S", str(ppid), *["0"] * 9, str(utime), str(stime), *["0"] * 39]
    (folder / "stat").write_text(f"{pid} ({name}) {' '.join(after_name)}\n")


def test_stat_fields_are_counted_from_the_last_parenthesis() -> None:
    line = "4242 (gunicorn: worker [careplan:create_app()]) S 4200 1 1 0 -1 4194560 " + (
        "10 0 0 0 250 31 0 0 20 0 1 0 100 0 0\n"
    )
    stat = cpu.parse_stat(line)
    assert (stat.pid, stat.ppid, stat.utime, stat.stime, stat.ticks) == (4242, 4200, 250, 31, 281)


def test_children_are_found_by_their_parent(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    fake_process(proc, 100, 1, 5, 5, "gunicorn: master [x]")
    fake_process(proc, 101, 100, 300, 20, "gunicorn: worker [x]")
    fake_process(proc, 102, 100, 200, 10, "gunicorn: worker [x]")
    fake_process(proc, 103, 1, 900, 90, "wrk")
    (proc / "self").mkdir()  # not a process number
    (proc / "104").mkdir()  # a process that went between the listing and the read
    assert cpu.children(100, proc) == [101, 102]
    assert cpu.ticks_of([101, 102, 999], proc) == {101: 320, 102: 210}


def test_cpu_per_request_from_two_snapshots(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    fake_process(proc, 100, 1, 5, 5, "gunicorn: master")
    fake_process(proc, 101, 100, 300, 20, "gunicorn: worker")
    fake_process(proc, 102, 100, 200, 10, "gunicorn: worker")
    before = cpu.Snapshot.take(100, proc)
    fake_process(proc, 100, 1, 50, 50, "gunicorn: master")  # the master is not counted
    fake_process(proc, 101, 100, 450, 70, "gunicorn: worker")  # +200 ticks
    fake_process(proc, 102, 100, 290, 20, "gunicorn: worker")  # +100 ticks
    after = cpu.Snapshot.take(100, proc)
    seconds = cpu.used_seconds(before, after, hz=100)
    assert seconds == pytest.approx(3.0)
    assert cpu.same_children(before, after)
    assert cpu.ms_per_request(seconds, 2000) == 1.5
    assert cpu.ms_per_request(seconds, 0) is None


def test_a_worker_started_in_the_window_counts_from_zero(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    fake_process(proc, 101, 100, 300, 20, "gunicorn: worker")
    fake_process(proc, 102, 100, 200, 10, "gunicorn: worker")
    before = cpu.Snapshot.take(100, proc)
    shutil.rmtree(proc / "102")  # replaced: its CPU in the window is lost
    fake_process(proc, 103, 100, 40, 10, "gunicorn: worker")
    after = cpu.Snapshot.take(100, proc)
    assert cpu.used_seconds(before, after, hz=100) == pytest.approx(0.5)
    assert not cpu.same_children(before, after)


def test_probe_reads_workers_and_database_around_a_run(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    fake_process(proc, 101, 100, 100, 0, "gunicorn: worker")
    fake_process(proc, 501, 500, 10, 0, "postgres: careplan_test")
    probe = load.CpuProbe(master=100, postmaster=500, proc=proc, hz=100)
    before = probe.take()
    fake_process(proc, 101, 100, 250, 50, "gunicorn: worker")  # 2 s
    fake_process(proc, 501, 500, 50, 10, "postgres: careplan_test")  # 0.5 s
    fake_process(proc, 502, 500, 30, 0, "postgres: careplan_test")  # new backend, 0.3 s
    row = probe.figures(before, probe.take(), requests=1000, seconds=4.0)
    assert row == {
        "cpu_s": 2.0,
        "cpu_ms_per_request": 2.0,
        "cores_busy": 0.5,
        "workers_unchanged": True,
        "db_cpu_s": 0.8,
        "db_cpu_ms_per_request": 0.8,
    }


def test_sweep_cpu_is_all_levels_cpu_over_all_their_requests() -> None:
    rows = [
        {"requests": 1000, "cpu_s": 1.0, "db_cpu_s": 0.2, "workers_unchanged": True},
        {"requests": 3000, "cpu_s": 5.0, "db_cpu_s": 0.6, "workers_unchanged": True},
    ]
    assert load.sweep_cpu(rows) == {
        "cpu_ms_per_request": 1.5,
        "db_cpu_ms_per_request": 0.2,
        "workers_unchanged": True,
    }
    rows[1]["workers_unchanged"] = False
    del rows[0]["db_cpu_s"]
    assert load.sweep_cpu(rows) == {"cpu_ms_per_request": 1.5, "workers_unchanged": False}


def _round(app: float, page: float, base: float, app_ms: float, page_ms: float, base_ms: float):
    result = {
        "order": ["app", "page", "baseline"],
        "app": {"peak_rps": app, "cpu_ms_per_request": app_ms},
        "page": {"peak_rps": page, "cpu_ms_per_request": page_ms},
        "baseline": {"peak_rps": base, "cpu_ms_per_request": base_ms},
    }
    return result | load.round_figures(result)


def test_round_ratios_and_their_medians() -> None:
    one = _round(1000, 400, 2000, 1.5, 4.0, 0.42)
    assert {k: one[k] for k in load.ROUND_KEYS} == {
        "ratio": 0.5,  # app over baseline throughput
        "cpu_ratio": 0.28,  # baseline CPU/request over the app's
        "page_ratio": 0.4,  # page over API throughput
        "page_cpu_ratio": 0.375,  # API CPU/request over the page's
    }
    rounds = [one, _round(900, 450, 2000, 1.4, 3.5, 0.42), _round(1200, 420, 2000, 1.6, 4.2, 0.4)]
    summary = load.summarise(rounds, ["app", "page", "baseline"])
    assert summary["ratio"] == 0.5  # the median round, by throughput ratio
    assert summary["app"]["peak_rps"] == 1000
    assert [r["ratio"] for r in summary["rounds"]] == [0.5, 0.45, 0.6]
    medians = summary["medians"]
    assert medians["app_cpu_ms"] == 1.5
    assert medians["page"] == 420
    assert medians["cpu_ratio"] == 0.28  # each figure's own median: 0.25, 0.28, 0.3
    assert medians["page_ratio"] == 0.4  # 0.4, 0.5, 0.35


def test_rounds_alternate_the_order() -> None:
    names = ["app", "page", "baseline"]
    assert load.round_order(0, names) == names
    assert load.round_order(1, names) == ["baseline", "page", "app"]
    assert load.round_order(2, names) == names


def test_minted_web_sessions_open_the_plan_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    dataset.generate(tmp_path, 0.0002, [url], show=False)
    pairs = load.web_session_pairs(url, tmp_path).read_text().splitlines()
    app = dataset.app_for(url, tmp_path)
    client = app.test_client()
    for line in pairs[:5]:
        cookie, person = line.split()
        client.set_cookie("careplan-session", cookie, domain="localhost")
        response = client.get(f"/people/{person}")
        assert response.status_code == 200, response.headers.get("Location")
        assert b"Care plan" in response.data
    with app.app_context():
        db.engine.dispose()


def test_plan_view_tables_show_cpu_and_the_page() -> None:
    def server(rps: float, ms: float) -> dict:
        level = {
            "connections": 2,
            "rps": rps,
            "p50_ms": 1.0,
            "p95_ms": 2.0,
            "p99_ms": 3.0,
            "non_2xx": 0,
            "load_average": 1.5,
            "speed_probe_ms": 40.0,
            "cpu_s": 1.0,
            "cpu_ms_per_request": ms,
            "cores_busy": 1.2,
            "workers_unchanged": True,
        }
        half = {k: level[k] for k in ("connections", "rps", "p50_ms", "p95_ms", "p99_ms")}
        return {"levels": [level], "peak_rps": rps, "cpu_ms_per_request": ms, "at_half_peak": half}

    result = {"order": ["app", "page", "baseline"]}
    result |= {"app": server(1000, 1.5), "page": server(400, 4.0), "baseline": server(2000, 0.42)}
    result |= load.round_figures(result)
    text = "\n".join(run.plan_view_markdown(load.summarise([result], list(load.SERVERS))))
    assert "| page | 2 | 400 | 1.0 | 2.0 | 3.0 | 0 | 4.0 | 1.2 | 1.5 | 40.0 |" in text
    assert "**baseline / app CPU 0.28**" in text
    assert "Page / API throughput: **0.4**" in text
    assert "db CPU" not in text  # SQLite: no database server to read


def test_the_in_process_profile_measures_both_plan_views(tmp_path: Path) -> None:
    """bench/cprofile_plan.py on a tiny data set: CPU per request, the statements each
    request runs, and the parts of a request, for the API plan view and the web page."""
    from bench import cprofile_plan

    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    dataset.generate(tmp_path, 0.0002, [url], show=False)
    saved = dict(os.environ)
    try:
        modes = [cprofile_plan.measure(url, tmp_path, m, 20, 5, 2) for m in ("api", "page")]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for measured in modes:
        assert len(measured["cpu_ms_per_request_rounds"]) == 2
        assert measured["cpu_ms_per_request"] > 0
        assert measured["statements_per_request"] >= 5  # token or session, reads, audit
        parts = {p["part"]: p for p in measured["parts"]}
        assert parts["whole request (Flask.wsgi_app)"]["calls_per_request"] == 1
        assert parts["audit append (audit.writer.append)"]["calls_per_request"] == 1
        assert len(measured["top_own_time"]) == 5
    assert {p["part"] for p in modes[1]["parts"] if p["calls_per_request"]} >= {
        "web session lookup",
        "template rendering (jinja2 Template.render)",
        "response made after the commit (transaction._fill)",
    }
    text = cprofile_plan.markdown(
        {
            "database": "sqlite",
            "data": 0.0002,
            "commit": "x",
            "load_before": 0,
            "load_after": 0,
            "modes": modes,
        }
    )
    assert "## api:" in text
    assert "## page:" in text


def test_pairs_are_compared_pair_by_pair() -> None:
    """bench/cprofile_pairs.py: each pair's after / before ratio and their median, per view
    (the machine's drift falls on both sides of a pair alike), and the table says them."""
    from bench import cprofile_pairs

    def run(api: float, page: float) -> dict:
        return {
            "modes": [
                {"mode": "api", "cpu_ms_per_request": api, "statements_per_request": 10.0},
                {"mode": "page", "cpu_ms_per_request": page, "statements_per_request": 12.0},
            ]
        }

    pairs = [
        {"before": run(4.0, 8.0), "after": run(4.0, 6.0)},
        {"before": run(5.0, 10.0), "after": run(4.5, 8.0)},
        {"before": run(4.0, 9.0), "after": run(4.4, 6.3)},
    ]
    views = cprofile_pairs.summarise(pairs, ["api", "page"])
    assert views["page"]["after_over_before"] == [0.75, 0.8, 0.7]
    assert views["page"]["after_over_before_median"] == 0.75
    assert views["api"]["after_over_before"] == [1.0, 0.9, 1.1]
    assert views["page"]["before_median_ms"] == 9.0
    result = {
        "database": "sqlite",
        "scale": 0.1,
        "before": "aaaa",
        "after": "bbbb",
        "requests": 400,
        "rounds": 3,
        "load_before": 1.0,
        "load_after": 1.5,
        "pairs": pairs,
        "views": views,
        "function_calls_per_request": {"requests": 200, "before": 15000.0, "after": 12000.0},
    }
    text = cprofile_pairs.markdown(result)
    assert "| page | 8.0, 10.0, 9.0 | 6.0, 8.0, 6.3 | 0.75, 0.8, 0.7 | **0.75** |" in text
    assert "before 15000.0, after 12000.0 (-20.0%)" in text


# --- Instructions per request (bench/instructions.py: valgrind's callgrind) -------------
CALLGRIND_OUT = """# callgrind format
version: 1
creator: callgrind-3.19.0
events: Ir
summary: 0
fl=(1) ???
fn=(1) f
0 5

totals: 626194304
"""


def test_the_count_is_callgrinds_totals_not_its_last_dump() -> None:
    from bench import instructions

    assert instructions.totals(CALLGRIND_OUT) == 626194304
    with pytest.raises(ValueError, match="no totals"):
        instructions.totals(CALLGRIND_OUT.replace("totals:", "total"))


def test_a_request_is_made_as_gunicorn_hands_it_over() -> None:
    from bench import instructions

    environ = instructions.wsgi_environ("/api/v1/people/x/plan", {"Authorization": "Bearer t"})
    assert environ["HTTP_AUTHORIZATION"] == "Bearer t"
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    closed: list[bool] = []

    class Answer(list):
        def close(self) -> None:
            closed.append(True)

    def app(environ: dict, start_response) -> Answer:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return Answer([b"no ", environ["PATH_INFO"].encode()])

    assert instructions.call(app, environ) == (404, b"no /api/v1/people/x/plan")
    assert closed == [True]  # the server closes what the app answered (PEP 3333)


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--servers", "app,foo"], "unknown servers: foo"),
        (["--servers", ","], "--servers names none of app, page, baseline"),
        (["--requests", "0"], "--requests and --repeat must be at least 1"),
        (["--repeat", "0"], "--requests and --repeat must be at least 1"),
        (["--no-sqlite"], "--no-sqlite needs --pg"),
        (["--name", "../elsewhere"], "--name is a file name in bench/results"),
    ],
)
def test_a_bad_command_line_is_refused_before_anything_runs(
    tmp_path: Path, capsys, arguments: list[str], said: str
) -> None:
    from bench import instructions

    (tmp_path / "dataset.json").write_text("{}")
    (tmp_path / "careplan.sqlite").write_text("")
    with pytest.raises(SystemExit) as exit_:
        instructions.main(["--data", str(tmp_path), *arguments])
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["careplan.sqlite", "dataset.json"]


def test_a_folder_without_a_data_set_is_refused(tmp_path: Path, capsys) -> None:
    from bench import instructions

    with pytest.raises(SystemExit):
        instructions.main(["--data", str(tmp_path / "nowhere")])
    assert "holds no data set (make one with bench.dataset)" in capsys.readouterr().err
    (tmp_path / "dataset.json").write_text("{}")
    with pytest.raises(SystemExit):
        instructions.main(["--data", str(tmp_path)])
    assert "has no SQLite database (--no-sqlite to leave it out)" in capsys.readouterr().err
    assert not (tmp_path / "careplan.sqlite").exists()  # nothing made in the folder


def test_instructions_are_counted_for_each_server(tmp_path: Path) -> None:
    """The tool itself, under valgrind, on a tiny data set: a count per server, the same
    requests each run, and the ratios the issue asks for. No count is asserted beyond
    its order: the app does the baseline's work and more."""
    from bench import instructions

    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    dataset.generate(tmp_path, 0.0002, [url], show=False)
    measured = instructions.measure(
        url, tmp_path, ["app", "page", "baseline"], requests=2, warm=2, repeat=1
    )
    servers = measured["servers"]
    assert set(servers) == {"app", "page", "baseline"}
    assert (
        servers["app"]["instructions_per_request"]
        > servers["baseline"]["instructions_per_request"]
        > 0
    )
    assert 0 < measured["ratios"]["baseline_over_app"] < 1
    assert servers["baseline"]["other_threads_per_request"] == 0  # the baseline has one
    assert measured["ratios"]["app_over_page"] > 0
    text = instructions.markdown(
        {
            "commit": "x",
            "data": str(tmp_path),
            "scale": 0.0002,
            "requests": 2,
            "warm": 2,
            "repeat": 1,
            "databases": {"sqlite": measured},
        }
    )
    assert "| app |" in text
    assert "other threads (the audit witness; timing-bound)" in text
    assert "Baseline / app instructions:" in text
