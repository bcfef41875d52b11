"""Subscription files: what loads, and mistakes named by file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.alerts.subscriptions import (
    Subscription,
    SubscriptionError,
    SubscriptionFolder,
    actor_labels,
    load_subscriptions,
    remove_subscription,
    write_subscription,
)

GOOD = """
owner: Bawaslu Jember <p@example.org>
filters:
  regions: [Jember, "Kab. Lumajang", Jatim]
  keywords: 'netralitas OR "politik praktis"'
  sites: [memorandum]
  min_relevance: 0.5
  actors: [asn, village]
  stages: [report, sanction]
channels:
  - {type: webhook, url: "https://hooks.example.org/pantau?token=x", secret: jember}
  - {type: email, to: pengawas@example.org}
  - {type: telegram, chat_id: -1001234567}
mode: daily
at: 07:30
timezone: Asia/Makassar
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_subscription_loads(tmp_path: Path) -> None:
    write(tmp_path, "jember-asn", GOOD)
    [s] = load_subscriptions(tmp_path, known_sites={"memorandum"})
    assert s.name == "jember-asn"
    assert s.filters.keywords == ['netralitas OR "politik praktis"']
    assert s.at == "07:30"  # YAML 1.1 reads 07:30 as 450 minutes; taken back as the time it meant
    assert [c.label for c in s.channels] == [
        "webhook https://hooks.example.org",
        "email pengawas@example.org",
        "telegram -1001234567",
    ]
    schedule = s.schedule("Asia/Jakarta")
    assert schedule is not None and schedule.describe() == "daily digest at 07:30 Asia/Makassar"


def test_every_mistake_is_named_by_file_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad",
        """
owner: x
filters:
  regions: [Jember, Jembre]
  keywords: ['"kepala desa']
  sites: [memorandum, nosuchsite]
  min_relevance: 2
  actors: [vilage]
channels:
  - {type: email, to: [not-an-address]}
  - {type: sms}
""",
    )
    with pytest.raises(SubscriptionError) as raised:
        load_subscriptions(tmp_path, known_sites={"memorandum"})
    assert raised.value.problems == [
        f"{path}: filters.regions[1]: no region is called 'Jembre'; did you mean Kabupaten Jember, Kabupaten Jembrana?",
        f"{path}: filters.keywords[0]: '\"kepala desa': unclosed quote at character 1: '\"kepala desa'",
        f"{path}: filters.min_relevance: Input should be less than or equal to 1",
        f"{path}: filters.actors[0]: unknown actor type 'vilage'; did you mean village? known: "
        + ", ".join(sorted(actor_labels())),
        f"{path}: channels[0].to[0]: 'not-an-address' is not an email address",
        f"{path}: channels[1]: Input tag 'sms' found using 'type' does not match any of the expected tags: "
        "'webhook', 'email', 'telegram'",
    ]


def test_unknown_sites_and_bad_yaml_and_misplaced_fields(tmp_path: Path) -> None:
    sites = write(
        tmp_path / "a", "s", "owner: x\nfilters: {sites: [nosuch]}\nchannels: [{type: telegram, chat_id: 1}]\n"
    )
    with pytest.raises(SubscriptionError) as raised:
        load_subscriptions(tmp_path / "a", known_sites={"memorandum"})
    assert raised.value.problems == [f"{sites}: filters.sites[0]: unknown site 'nosuch'; known: memorandum"]

    broken = write(tmp_path / "b", "y", "owner: [unclosed\n")
    with pytest.raises(SubscriptionError, match=f"{broken}: not valid YAML"):
        load_subscriptions(tmp_path / "b")

    at = write(tmp_path / "c", "z", "owner: x\nchannels: [{type: telegram, chat_id: 1}]\nmode: hourly\nat: '08:00'\n")
    with pytest.raises(SubscriptionError) as raised:
        load_subscriptions(tmp_path / "c")
    assert raised.value.problems == [f"{at}: subscription: at is only for mode daily (this subscription is hourly)"]

    other = write(tmp_path / "d", "file-name", "name: other-name\nowner: x\nchannels: [{type: telegram, chat_id: 1}]\n")
    with pytest.raises(SubscriptionError) as raised:
        load_subscriptions(tmp_path / "d")
    assert raised.value.problems == [f"{other}: name: 'other-name' differs from the file name 'file-name'"]


def test_no_folder_means_no_subscriptions(tmp_path: Path) -> None:
    assert load_subscriptions(tmp_path / "missing") == []


def test_write_then_load_then_remove(tmp_path: Path) -> None:
    write(tmp_path / "src", "jember-asn", GOOD)
    [original] = load_subscriptions(tmp_path / "src")
    path = write_subscription(tmp_path / "out", original)
    assert load_subscriptions(tmp_path / "out") == [original]
    with pytest.raises(SubscriptionError, match="exists"):
        write_subscription(tmp_path / "out", original)
    assert remove_subscription(tmp_path / "out", "jember-asn") == path
    assert load_subscriptions(tmp_path / "out") == []
    with pytest.raises(SubscriptionError, match="no subscription called 'jember-asn'"):
        remove_subscription(tmp_path / "out", "jember-asn")


def test_a_folder_keeps_its_last_good_set_when_a_file_breaks(tmp_path: Path) -> None:
    write(tmp_path, "one", "owner: x\nchannels: [{type: telegram, chat_id: 1}]\n")
    folder = SubscriptionFolder(tmp_path)
    first = folder.current()
    assert [s.name for s in first] == ["one"]
    assert folder.current() is first  # unchanged files: the same list, no re-read
    write(tmp_path, "two", "owner: x\nchannels: []\n")
    assert folder.current() is first
    write(tmp_path, "two", "owner: y\nchannels: [{type: telegram, chat_id: 2}]\n")
    assert [s.name for s in folder.current()] == ["one", "two"]


def test_names_are_file_names() -> None:
    with pytest.raises(ValueError, match="name"):
        Subscription.model_validate(
            {"name": "Bad Name", "owner": "x", "channels": [{"type": "telegram", "chat_id": 1}]}
        )
