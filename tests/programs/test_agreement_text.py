"""Agreement text: Markdown rendered and sanitised (no script, no raw HTML, no javascript:
links), and the diff a manager reads before publishing."""

from hypothesis import given
from hypothesis import strategies as st

from accessprogram.programs.agreement_text import render_markdown, text_diff


def test_markdown_is_rendered():
    html = render_markdown(
        "# Terms\n\n**Keep it secret.**\n\n- one\n- two\n\n[site](https://x.test)"
    )
    assert "<h1>Terms</h1>" in html
    assert "<strong>Keep it secret.</strong>" in html
    assert "<li>one</li>" in html
    assert 'href="https://x.test"' in html


def test_script_tags_and_raw_html_are_shown_as_text_never_run():
    html = render_markdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_stripped():
    html = render_markdown(
        "[click](javascript:alert(1)) [data](data:text/html,hi) [fine](mailto:a@b.test)"
    )
    assert "javascript:" not in html.split("[click]")[0]  # no href carries it
    assert 'href="javascript' not in html and 'href="data' not in html
    assert 'href="mailto:a@b.test"' in html


@given(st.text(max_size=300))
def test_no_text_produces_a_tag_outside_the_allow_list(text):
    html = render_markdown(text)
    for tag in ("<script", "<iframe", "<img", "<style", "onerror=", "onclick=", "<svg"):
        assert tag not in html.lower()


def test_the_diff_shows_removed_and_added_lines_with_context():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten").replace("line 20", "line 20\nline 21")
    kinds = [(line.kind, line.text) for line in text_diff(old, new)]
    assert ("removed", "line 10") in kinds and ("added", "line ten") in kinds
    assert ("added", "line 21") in kinds
    assert ("same", "line 9") in kinds and ("same", "line 11") in kinds  # context
    assert ("same", "line 1") not in kinds  # far from any change: left out
    assert any(kind == "skipped" for kind, _ in kinds)


def test_an_unchanged_text_has_no_diff():
    assert text_diff("same\ntext", "same\ntext") == []


def test_against_nothing_every_line_is_added():
    assert [line.kind for line in text_diff("", "a\nb")] == ["added", "added"]
