"""`manage.py scan_tokens PATH...`: finds real platform tokens, never prints one in full."""

import json
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accessprogram.access import tokens
from accessprogram.access.scanning import find_in_text

ROOT = Path(__file__).resolve().parents[2]


def scan(*args) -> tuple[int, str]:
    """Run the command in-process; return (exit status, stdout)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("scan_tokens", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def typo_of(token: str) -> str:
    """The same token with one character of its random part changed: checksum no longer fits."""
    position = 10
    replacement = "a" if token[position] != "a" else "b"
    return token[:position] + replacement + token[position + 1 :]


@pytest.fixture
def tree(tmp_path):
    """A small project with two real tokens in nested files and lots of near misses."""
    real_a, real_b = tokens.generate(), tokens.generate()
    (tmp_path / "app" / "config").mkdir(parents=True)
    (tmp_path / "app" / "config" / "settings.py").write_text(
        "DEBUG = True\n"
        f'OPENAI_API_KEY = "{real_a}"\n'  # line 2, column 19
        "TIMEOUT = 3\n"
    )
    (tmp_path / "web" / "demo" / "static").mkdir(parents=True)
    (tmp_path / "web" / "demo" / "static" / "app.js").write_text(
        f"const keys = ['x', '{real_b}'];\nconst again = '{real_b}';\n"
    )
    look_alikes = [
        typo_of(real_a),  # a typo
        real_a[:-1],  # truncated
        real_a[:-1] + "0" if real_a[-1] != "0" else real_a[:-1] + "1",  # bad checksum
        "eap_" + "A" * 36,  # the shape but random filler
        "eap_" + "example" * 5 + "X",  # documentation placeholder
        real_a + "Z",  # glued to more characters: not a token boundary
    ]
    (tmp_path / "README.md").write_text("\n".join(f"token: {s}" for s in look_alikes) + "\n")
    return tmp_path, real_a, real_b


def test_finds_real_tokens_in_nested_files_with_positions(tree):
    root, real_a, real_b = tree
    status, out = scan(root)
    assert status == 1
    lines = out.splitlines()
    found = [line for line in lines if line.endswith("(platform API token)")]
    assert found == [
        f"{root / 'app/config/settings.py'}:2:19: {real_a[:12]}… (platform API token)",
        f"{root / 'web/demo/static/app.js'}:1:21: {real_b[:12]}… (platform API token)",
        f"{root / 'web/demo/static/app.js'}:2:16: {real_b[:12]}… (platform API token)",
    ]
    assert "3 platform API tokens found in 2 files (3 files scanned)." in out


def test_never_prints_a_secret_in_full(tree):
    root, real_a, real_b = tree
    for args in ([root], [root, "--json"]):
        _, out = scan(*args)
        assert real_a not in out and real_b not in out
        assert real_a[:13] not in out  # no more than the display prefix
        assert real_a[:12] in out


def test_look_alikes_and_typos_are_not_reported(tmp_path):
    real = tokens.generate()
    near_misses = [
        typo_of(real),
        real[:-1],
        real.replace("eap_", "eaq_"),
        real.swapcase(),
        "eap_" + "0" * 36,
        "prefix_" + real[4:],
        "x" + real,  # part of a longer word
    ]
    (tmp_path / "notes.txt").write_text("\n".join(near_misses))
    status, out = scan(tmp_path)
    assert status == 0
    assert "No platform API tokens found (1 file scanned)." in out


def test_checksum_alone_rules_out_random_look_alikes():
    """One random 36-character tail in 62**6 passes the checksum: none of 20 000 here."""
    rng = random.Random(1234)
    alphabet = tokens.ALPHABET
    blob = " ".join("eap_" + "".join(rng.choices(alphabet, k=36)) for _ in range(20_000))
    assert list(find_in_text(blob)) == []


def test_skips_vcs_dependency_and_binary_files(tmp_path):
    real = tokens.generate()
    for skipped in (".git/objects", ".venv/lib", "node_modules/pkg"):
        (tmp_path / skipped).mkdir(parents=True)
        (tmp_path / skipped / "file.txt").write_text(real)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0" + real.encode())
    status, out = scan(tmp_path)
    assert status == 0, out
    assert "0 files scanned, 1 binary skipped" in out


def test_a_file_named_explicitly_is_scanned_even_in_a_skipped_directory(tmp_path):
    real = tokens.generate()
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f"[remote]\n  token = {real}\n")
    status, out = scan(tmp_path / ".git" / "config")
    assert status == 1
    assert ":2:11: " in out


def test_json_output(tree):
    root, real_a, _ = tree
    status, out = scan(root, "--json")
    assert status == 1
    document = json.loads(out)
    assert document["count"] == 3
    assert document["files_scanned"] == 3
    assert document["findings"][0] == {
        "path": str(root / "app/config/settings.py"),
        "line": 2,
        "column": 19,
        "token_prefix": real_a[:12],
        "kind": "platform API token",
    }


def test_json_output_when_clean(tmp_path):
    (tmp_path / "a.txt").write_text("nothing here\n")
    status, out = scan(tmp_path, "--json")
    assert status == 0
    assert json.loads(out)["findings"] == []


def test_a_missing_path_is_an_error_not_a_finding(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("scan_tokens", str(tmp_path / "nope"))
    assert error.value.returncode == 2


def test_exit_status_of_the_real_command(tmp_path):
    """Through manage.py as CI would run it: 1 with a token, 0 without, output masked."""
    real = tokens.generate()
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    clean.mkdir()
    dirty.mkdir()
    (clean / "a.py").write_text("x = 1\n")
    (dirty / "a.py").write_text(f"key = '{real}'\n")

    def run(path):
        return subprocess.run(
            [sys.executable, "manage.py", "scan_tokens", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert run(clean).returncode == 0
    found = run(dirty)
    assert found.returncode == 1, found.stderr
    assert f"{dirty / 'a.py'}:1:8: {real[:12]}… (platform API token)" in found.stdout
    assert real not in found.stdout + found.stderr
