"""`flask audit verify` against the installation's key and a given public key file."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.api.scene import build_scene


def test_verify_with_exported_public_key(app, api, world, tmp_path):
    scene = build_scene(world)
    api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    runner = app.test_cli_runner()
    pem = runner.invoke(args=["audit", "public-key"]).output
    (tmp_path / "ours.pem").write_text(pem)
    ok = runner.invoke(args=["audit", "verify", "--public-key", str(tmp_path / "ours.pem")])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output
    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "theirs.pem").write_bytes(other)
    bad = runner.invoke(args=["audit", "verify", "--public-key", str(tmp_path / "theirs.pem")])
    assert bad.exit_code == 1
    assert "NOT intact" in bad.output
