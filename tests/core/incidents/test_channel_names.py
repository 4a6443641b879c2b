import re

from bot.core.incidents.model import CHANNEL_NAME_MAX, channel_name, slugify

SLACK_RULE = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_channel_name_follows_prefix_number_slug() -> None:
    assert (
        channel_name("aiinc", 12, "Legal RAG cites fake cases!")
        == "aiinc-12-legal-rag-cites-fake-cases"
    )


def test_suffix_is_appended_when_the_name_is_taken() -> None:
    assert channel_name("aiinc", 12, "Refusals", suffix=2) == "aiinc-12-refusals-2"


def test_non_ascii_and_punctuation_fold_to_slack_rules() -> None:
    name = channel_name("aiinc", 3, "Überprüfung: Modèle «GPT» — refus / 100% ")
    assert SLACK_RULE.match(name), name
    assert name == "aiinc-3-uberprufung-modele-gpt-refus-100"


def test_long_titles_are_cut_inside_eighty_characters_even_with_a_suffix() -> None:
    title = "word " * 60
    for suffix in (None, 2, 19):
        name = channel_name("aiinc", 123456, title, suffix=suffix)
        assert len(name) <= CHANNEL_NAME_MAX
        assert SLACK_RULE.match(name)
        assert not name.endswith("--")


def test_a_title_of_only_symbols_still_gives_a_valid_name() -> None:
    assert channel_name("aiinc", 7, "!!!") == "aiinc-7"
    assert slugify("   ") == ""


def test_a_long_title_is_cut_at_a_word_boundary() -> None:
    assert slugify("model alias bump", max_length=14) == "model-alias"
    assert slugify("model alias bump", max_length=16) == "model-alias-bump"
    assert slugify("model alias bump", max_length=11) == "model-alias"


def test_a_first_word_longer_than_the_room_is_cut_rather_than_dropped() -> None:
    assert slugify("supercalifragilistic refusals", max_length=5) == "super"
