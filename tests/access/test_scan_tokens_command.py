"""`manage.py scan_tokens PATH...`: finds real platform tokens, never prints one in full."""

import json
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from accessprogram.access import tokens
from accessprogram.access.scanning import find_in_text, scan_bytes

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


def test_version_control_data_is_skipped_and_said_so_dependencies_and_binaries_are_not(tmp_path):
    real = tokens.generate()
    for directory in (".git/objects", ".venv/lib", "node_modules/pkg"):
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "file.txt").write_text(real)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0" + real.encode())
    status, out = scan(tmp_path)
    assert status == 1, out
    assert "3 platform API tokens found in 3 files (3 files scanned, 1 skipped)." in out
    assert f"skipped {tmp_path / '.git'}: version control data" in out
    assert "(platform API token, binary)" in out


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
        "encoding": "text",
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


# --- what a careless copy looks like (finding 8) ----------------------------------------------


@pytest.fixture
def planted(tmp_path):
    """Five copies of one leaked token in the forms the red team planted."""
    import base64

    real = tokens.generate()
    (tmp_path / "config.txt").write_text(f"key={real}\n")
    (tmp_path / "bundle.bin").write_bytes(b"\x7fELF\0\0\0" + b"\x01" * 100 + real.encode() + b"\0")
    (tmp_path / "settings.ini").write_bytes(f"[api]\r\nkey = {real}\r\n".encode("utf-16"))
    encoded = base64.b64encode(f'{{"api_key": "{real}"}}'.encode()).decode()
    (tmp_path / "env.json").write_text(f'{{"CONFIG_B64": "{encoded}"}}\n')
    (tmp_path / "node_modules" / "demo").mkdir(parents=True)
    (tmp_path / "node_modules" / "demo" / "index.js").write_text(f"module.exports = '{real}';\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return tmp_path, real


def test_all_five_planted_forms_are_found(planted):
    root, real = planted
    status, out = scan(root, "--json")
    assert status == 1
    document = json.loads(out)
    found = {(f["path"], f["encoding"]) for f in document["findings"]}
    assert found == {
        (str(root / "config.txt"), "text"),
        (str(root / "bundle.bin"), "binary"),
        (str(root / "settings.ini"), "utf-16"),
        (str(root / "env.json"), "base64"),
        (str(root / "node_modules/demo/index.js"), "text"),
    }
    assert {f["token_prefix"] for f in document["findings"]} == {real[:12]}
    assert real not in out
    # What was not looked into is said, not skipped silently.
    assert document["skipped_directories"] == [
        {"path": str(root / ".git"), "reason": "version control data"}
    ]


def test_the_text_report_names_encodings_and_skipped_directories(planted):
    root, real = planted
    status, out = scan(root)
    assert status == 1
    assert f"{root / 'settings.ini'}:2:7: {real[:12]}… (platform API token, utf-16)" in out
    assert f"{root / 'env.json'}:1:17: {real[:12]}… (platform API token, base64)" in out
    assert f"skipped {root / '.git'}: version control data" in out
    assert "5 platform API tokens found in 5 files" in out
    assert real not in out


@settings(max_examples=60, deadline=None)
@given(before=st.binary(max_size=80), after=st.binary(max_size=80), urlsafe=st.booleans())
def test_a_token_in_base64_of_any_surrounding_bytes_is_found(before, after, urlsafe):
    import base64

    real = tokens.generate()
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    blob = encode(before + b" " + real.encode() + b" " + after).decode()
    findings = scan_bytes(f"value: {blob}\n".encode(), path="f")
    assert [(f.encoding, f.token_prefix) for f in findings] == [("base64", real[:12])]


@settings(max_examples=60, deadline=None)
@given(before=st.binary(max_size=200), after=st.binary(max_size=200))
def test_a_token_among_any_binary_bytes_is_found(before, after):
    real = tokens.generate()
    findings = scan_bytes(before + b"\0" + real.encode() + b"\0" + after, path="f")
    assert real[:12] in {f.token_prefix for f in findings}
