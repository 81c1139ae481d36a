"""How an agreement's text is shown: Markdown rendered to sanitised HTML, and what changed.

Managers write agreements in Markdown. markdown-it-py renders it with raw HTML turned off (it is
shown as text), then nh3 keeps only the tags, attributes and link schemes an agreement needs, so
no script, event handler or `javascript:` link can reach a tester's page whatever the text says.
"""

import difflib
from dataclasses import dataclass

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """The agreement's Markdown as HTML that is safe to put into a page."""
    html = _markdown.render(text or "")
    return mark_safe(  # noqa: S308 - nh3 has just removed everything not on the allow-lists
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "skipped" (a run of unchanged lines left out)
    text: str
    old_number: int | None = None
    new_number: int | None = None


def text_diff(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """Line by line what `new` changes in `old`, with `context` unchanged lines around each change.

    Longer unchanged runs become one "skipped" line saying how many lines were left out."""
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(_unchanged(old_lines, i1, i2, j1, context=context, first=not lines))
            continue
        lines.extend(DiffLine("removed", old_lines[i], old_number=i + 1) for i in range(i1, i2))
        lines.extend(DiffLine("added", new_lines[j], new_number=j + 1) for j in range(j1, j2))
    if lines and all(line.kind in ("same", "skipped") for line in lines):
        return []  # nothing changed
    return _trim_trailing(lines, context=context)


def _unchanged(old_lines, i1, i2, j1, *, context, first) -> list[DiffLine]:
    run = [
        DiffLine("same", old_lines[i], old_number=i + 1, new_number=j1 + (i - i1) + 1)
        for i in range(i1, i2)
    ]
    head = [] if first else run[:context]
    tail = run[-context:] if context else []
    if len(run) <= len(head) + len(tail) + 1:  # hiding one line saves no space
        return run if not first else tail
    skipped = len(run) - len(head) - len(tail)
    noun = "line" if skipped == 1 else "lines"
    return [*head, DiffLine("skipped", f"{skipped} unchanged {noun}"), *tail]


def _trim_trailing(lines: list[DiffLine], *, context: int) -> list[DiffLine]:
    """After the last change keep only `context` unchanged lines."""
    last_change = max(i for i, line in enumerate(lines) if line.kind in ("added", "removed"))
    after = [line for line in lines[last_change + 1 :] if line.kind == "same"]
    return lines[: last_change + 1] + after[:context]
