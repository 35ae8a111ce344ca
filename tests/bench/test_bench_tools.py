"""The benchmark tools work at a tiny scale (no timings are asserted: speed is measured by
scripts/bench.sh, never tested)."""

from __future__ import annotations

import json
from pathlib import Path

from audit.verify import verify_chain
from bench import baseline_wsgi, dataset, ig
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
