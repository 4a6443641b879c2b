"""The builders that carry a title or a producer's words into a message's text escape them: the
notification text, `list` and the live-changes line are what Slack shows first, and what pings."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.changes.model import Change, ChangeKind
from bot.core.incidents.model import Incident
from bot.slack.messages.changes import live_changes_text
from bot.slack.messages.incidents import card_text, open_incidents_text
from tests.conftest import IncidentBuilder

WORDS = "ship it <!channel> & <@U0ALL>"
SAFE = "ship it &lt;!channel&gt; &amp; &lt;@U0ALL&gt;"


def incident(new_incident: IncidentBuilder) -> Incident:
    return new_incident(number=4, title=WORDS, channel_id="C0INC")


def test_the_cards_notification_text_escapes_the_title(new_incident: IncidentBuilder) -> None:
    text = card_text(incident(new_incident))

    assert SAFE in text and "<!channel>" not in text


def test_list_escapes_titles_and_still_links_the_channel(new_incident: IncidentBuilder) -> None:
    text = open_incidents_text([incident(new_incident)])

    assert f"• *#4* {SAFE} — S2" in text and "<#C0INC>" in text
    assert "<@U0ALL>" not in text


def test_the_live_changes_line_escapes_the_producers_words(
    new_incident: IncidentBuilder,
) -> None:
    change = Change(
        source="ci",
        external_id="1",
        kind=ChangeKind.PROMPT,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        summary=WORDS,
    )

    text = live_changes_text(incident(new_incident), [change])

    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
