"""The Procfile is the one list of processes; supervise turns it into supervisord's config."""

import configparser
from pathlib import Path

import pytest

from accessprogram.runtime.supervise import (
    ROOT,
    expand,
    procfile_command,
    read_procfile,
    render_config,
)


def test_the_project_procfile_names_every_process():
    names = [entry.name for entry in read_procfile(ROOT / "Procfile")]
    assert names == ["web", "worker", "safety", "beat", "engine"]


@pytest.mark.parametrize(
    ("command", "environ", "expected"),
    [
        ("--port ${PORT:-8000}", {}, "--port 8000"),
        ("--port ${PORT:-8000}", {"PORT": "9001"}, "--port 9001"),
        ("--port ${PORT:-8000}", {"PORT": ""}, "--port 8000"),  # empty counts as unset, as :- does
        ("${VAR_DIR}/x", {"VAR_DIR": "/srv/var"}, "/srv/var/x"),
        ("$HOME stays", {"HOME": "/root"}, "$HOME stays"),  # only the braced form is expanded
    ],
)
def test_expand_fills_variables_as_a_shell_would(command, environ, expected):
    assert expand(command, environ) == expected


def test_a_line_that_is_not_name_colon_command_is_refused(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("# comment\n\nweb: run-me\nthis line is wrong\n")
    with pytest.raises(ValueError, match="this line is wrong"):
        read_procfile(procfile)


def test_rendered_config_restarts_each_process_and_escapes_percent_signs(tmp_path):
    entries = read_procfile(ROOT / "Procfile")
    text = render_config(entries, var_dir=tmp_path, environ={"PORT": "8123"})
    # supervisord reads %(name)s expansions: a literal % must arrive as %%.
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    assert parser["group:platform"]["programs"] == "web,worker,safety,beat,engine"
    web = parser["program:web"]
    assert "--bind 127.0.0.1:8123" in web["command"]
    assert web["autorestart"] == "true"
    assert web["stdout_logfile"] == str(tmp_path / "logs" / "web.log")
    assert "--hostname worker@%%h" in parser["program:worker"]["command"]
    assert parser["supervisorctl"]["password"] == parser["unix_http_server"]["password"]


def test_a_long_var_dir_gets_a_socket_path_unix_sockets_accept(tmp_path):
    deep = tmp_path / ("x" * 120)
    parser = configparser.RawConfigParser()
    parser.read_string(render_config([], var_dir=deep, environ={}))
    socket = Path(parser["unix_http_server"]["file"])
    assert len(str(socket)) <= 100
    assert parser["supervisorctl"]["serverurl"] == f"unix://{socket}"


def test_a_procfile_entry_becomes_the_argv_a_bench_starts(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("engine: .venv/bin/python -m engine --port ${ENGINE_PORT:-8100} --x 'a b'")
    assert procfile_command("engine", environ={"ENGINE_PORT": "9001"}, procfile=procfile) == [
        ".venv/bin/python", "-m", "engine", "--port", "9001", "--x", "a b",
    ]  # fmt: skip
    with pytest.raises(KeyError, match="no 'web' process"):
        procfile_command("web", environ={}, procfile=procfile)
