from __future__ import annotations

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Usage
from sandbox import SlackDriver, SlackSandbox
from tests.support.factories import assets, reply, reply_text
from tests.support.serving import SIGNING_SECRET, make_settings, serve_app


def add(slack: SlackDriver, sandbox: SlackSandbox, text: str, user: str = "U0MKT1") -> str:
    return reply_text(slack.command("/collateral", text, user_id=user), slack, sandbox)


def test_add_with_title_replies_with_handle_in_backticks(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    text = add(slack, sandbox, "add https://example.com/pricing.pdf Pricing deck")
    assert "`PD-1`" in text
    [asset] = assets(engine)
    assert (asset.handle, asset.title, asset.url) == (
        "PD-1",
        "Pricing deck",
        "https://example.com/pricing.pdf",
    )
    assert asset.added_by == "U0MKT1"


def test_handles_count_up_per_workspace(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    add(slack, sandbox, "add https://example.com/a Pricing deck")
    text = add(slack, sandbox, "add https://example.com/b ROI calculator")
    assert "`RC-2`" in text
    assert [a.handle for a in assets(engine)] == ["PD-1", "RC-2"]


def test_add_without_title_fetches_the_page_title(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    url = sandbox.set_page(
        "battlecard", body="<html><head><title>Competitor Battlecard</title></head></html>"
    )
    response = slack.command("/collateral", f"add {url}")
    text = reply_text(response, slack, sandbox)
    assert "`CB-1`" in text and "Competitor Battlecard" in text
    assert [a.title for a in assets(engine)] == ["Competitor Battlecard"]


def test_add_without_title_acks_before_a_slow_page(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    url = sandbox.set_page("slow", body="<title>Slow page</title>", delay=2.0)
    response = slack.command("/collateral", f"add {url}")
    # The HTTP answer to Slack comes long before the page does (Slack allows 3 s).
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 1.5
    assert "`SP-1`" in reply_text(response, slack, sandbox)
    assert [a.title for a in assets(engine)] == ["Slow page"]


def test_add_when_page_has_no_title_names_it_from_the_url(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    url = sandbox.set_page("docs/One-pager.pdf", body=b"%PDF-1.7", content_type="application/pdf")
    text = add(slack, sandbox, f"add {url}")
    assert "couldn't read a title" in text
    assert [a.title for a in assets(engine)] == ["127.0.0.1/One-pager.pdf"]


def test_add_same_url_twice_returns_the_existing_handle(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    add(slack, sandbox, "add https://example.com/a Pricing deck")
    text = add(slack, sandbox, "add https://example.com/a Another name")
    assert "already registered" in text and "`PD-1`" in text
    assert len(assets(engine)) == 1


def test_add_never_fetches_private_addresses_unless_allowed(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    settings = make_settings(sandbox, database_url, liaison_allow_private_urls=False)
    url = sandbox.set_page("intranet", body="<title>Secret intranet</title>")
    with (
        serve_app(settings, engine) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as driver,
    ):
        text = reply_text(driver.command("/collateral", f"add {url}"), driver, sandbox)
    assert "Secret intranet" not in text
    assert sandbox.calls("page") == []
    # Refused, without saying what the name resolves to (issue 12: no internal DNS oracle).
    assert "private or internal address" in text and "resolves" not in text
    assert assets(engine) == []


def test_add_bad_inputs_get_the_correct_form_and_store_nothing(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    cases = {
        "add": "/collateral add <url> [title]",
        "add not a url": "/collateral add <url> [title]",
        "add javascript:alert(1) x": "/collateral add <url> [title]",
        "add file:///etc/passwd": "/collateral add <url> [title]",
        "add https://user:pw@example.com/x": "/collateral add <url> [title]",
        "add https://example.com/x " + "T" * 300: "at most 200",
    }
    for text, says in cases.items():
        got = add(slack, sandbox, text)
        assert says in got, (text, got)
    assert assets(engine) == []


def test_oversized_command_text_is_refused_clearly(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    text = add(slack, sandbox, "add https://example.com/x " + "A" * 100_000)
    assert "at most 4,000" in text
    assert assets(engine) == []


def test_hostile_title_is_stored_clean_and_never_echoed_live(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    response = slack.command(
        "/collateral", "add https://example.com/x <!channel> Deck\x00\x07 <@UADMIN> *bold*"
    )
    body = reply(response, slack, sandbox)
    raw = json.dumps(body)
    assert "<!channel>" not in raw and "<@UADMIN>" not in raw
    [asset] = assets(engine)
    assert "\x00" not in asset.title and "\x07" not in asset.title


def test_search_finds_by_title_words_and_handle(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    add(slack, sandbox, "add https://example.com/a Pricing deck")
    add(slack, sandbox, "add https://example.com/b ROI calculator")
    text = add(slack, sandbox, "search pricing", user="U0REP1")
    assert "`PD-1`" in text and "RC-2" not in text
    assert "👍 0 · 👎 0 · 🎯 0 used" in text
    assert "`RC-2`" in add(slack, sandbox, "search rc-2", user="U0REP1")


def test_search_with_no_match_and_wildcards(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    add(slack, sandbox, "add https://example.com/a Pricing deck")
    assert "No asset matches" in add(slack, sandbox, "search %", user="U0REP1")
    assert "No asset matches" in add(slack, sandbox, "search zebra", user="U0REP1")
    assert "/collateral search <words>" in add(slack, sandbox, "search", user="U0REP1")


def test_used_records_usage_by_handle_and_by_title(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    add(slack, sandbox, "add https://example.com/a Pricing deck")
    first = add(slack, sandbox, "used PD-1", user="U0REP1")
    assert "`PD-1`" in first and "once" in first
    second = add(slack, sandbox, "used pricing deck", user="U0REP1")
    assert "2 times" in second
    with Session(engine) as session:
        assert len(session.exec(select(Usage)).all()) == 2


def test_used_ambiguous_or_unknown_gets_closest_matches(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    add(slack, sandbox, "add https://example.com/a Pricing deck 2026")
    add(slack, sandbox, "add https://example.com/b Pricing deck partners")
    ambiguous = add(slack, sandbox, "used pricing deck", user="U0REP1")
    assert "Did you mean" in ambiguous and "`PD-1`" in ambiguous and "`PD-2`" in ambiguous
    unknown = add(slack, sandbox, "used zebra stripes", user="U0REP1")
    assert "couldn't find" in unknown
    assert "/collateral used <asset>" in add(slack, sandbox, "used", user="U0REP1")
    with Session(engine) as session:
        assert session.exec(select(Usage)).all() == []


def test_top_lists_assets_or_explains_how_to_start(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    empty = add(slack, sandbox, "", user="U0REP1")
    assert "/collateral add <url> [title]" in empty
    add(slack, sandbox, "add https://example.com/a Pricing deck")
    add(slack, sandbox, "add https://example.com/b ROI calculator")
    add(slack, sandbox, "used RC-2", user="U0REP1")
    text = add(slack, sandbox, "", user="U0REP1")
    assert text.index("`RC-2`") < text.index("`PD-1`")


def test_help_and_unknown_verb(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    assert "/collateral search <words>" in add(slack, sandbox, "help")
    unknown = add(slack, sandbox, "delete everything")
    assert "I don't know `delete`" in unknown and "/collateral add <url> [title]" in unknown


def test_command_text_saying_payload_is_not_dropped(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    # slack-bolt's form parser would read this body as an empty interactivity payload.
    text = add(slack, sandbox, "add https://example.com/payload Payload sizing guide")
    assert "`PS-1`" in text
    assert "`PS-1`" in add(slack, sandbox, "search payload", user="U0REP1")
    assert [a.title for a in assets(engine)] == ["Payload sizing guide"]


def test_typed_ampersands_and_brackets_are_stored_as_typed_and_shown_safely(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    # Slack sends what a person typed as &, < and > as entities.
    text = add(slack, sandbox, "add https://example.com/rd R&amp;D &lt;draft&gt; deck")
    assert [a.title for a in assets(engine)] == ["R&D <draft> deck"]
    assert "R&amp;D &lt;draft&gt; deck" in text  # escaped once in the reply, as Slack expects
    assert "`RD-1`" in add(slack, sandbox, "search R&amp;D", user="U0REP1")


def test_titles_in_other_scripts_are_searchable(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    add(slack, sandbox, "add https://example.com/ru Прайс-лист 2027")
    assert "`AS-1`" in add(slack, sandbox, "search прайс", user="U0REP1")
    assert "once" in add(slack, sandbox, "used прайс-лист", user="U0REP1")
