"""Slack text becomes plain words when a message is captured for a timeline."""

from __future__ import annotations

from bot.slack.messages.mrkdwn import captured_message, escape, plain_words


def test_mentions_become_ids_the_core_names_and_are_listed() -> None:
    text, mentioned = plain_words("<@U04SOFIA> and <@U0BOB|bob> follow up; <@U04SOFIA> leads")

    assert text == "@U04SOFIA and @U0BOB follow up; @U04SOFIA leads"
    assert mentioned == ["U04SOFIA", "U0BOB"]


def test_channels_links_and_special_mentions_read_as_words() -> None:
    text, mentioned = plain_words(
        "<!here> see <#C01|ops> and <#C02>, "
        "<https://runbooks.example/triage|the triage runbook> or <https://x.example/a?b=1&amp;c=2>"
    )

    assert text == (
        "@here see #ops and #C02, the triage runbook (https://runbooks.example/triage) "
        "or https://x.example/a?b=1&c=2"
    )
    assert mentioned == []


def test_escaped_characters_are_what_people_typed() -> None:
    typed = "p < 0.05 & recall > 0.9"

    assert plain_words(escape(typed)) == (typed, [])


def test_a_captured_message_carries_its_words_and_the_people_it_mentions() -> None:
    message = captured_message(
        channel_id="C1", ts="1715601600.000100", author_id="U1", slack_text="ask <@U2>"
    )

    assert (message.text, message.user_ids) == ("ask @U2", ["U2"])
