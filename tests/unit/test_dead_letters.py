"""Dead letters always fit a Kafka record: an oversized original is cut, and the letter says so."""

from __future__ import annotations

import json

import pytest

from pantau.delivery import MAX_REASON_CHARS, dead_letter, encoded_size, fit_dead_letter
from pantau.schema import DeadLetter

BUDGET = 100_000


def test_a_letter_that_fits_is_left_alone() -> None:
    letter = dead_letter("enrich", "schema: title missing", b'{"id": 1}', source="raw/0/7", article_id="a" * 32)
    assert fit_dead_letter(letter, BUDGET) is letter
    assert letter.original_bytes is None


@pytest.mark.parametrize(
    "original",
    [
        "x" * 5_000_000,  # plain ASCII
        "é€😀" * 400_000,  # multi-byte characters: the cut must not split one
        '"\\\n' * 1_000_000,  # characters JSON escapes, so the letter is larger than the original
    ],
    ids=["ascii", "multibyte", "escaped"],
)
def test_an_oversized_original_is_cut_to_fit_and_the_letter_says_so(original: str) -> None:
    letter = dead_letter("enrich", "enriched record refused by kafka: MessageSizeTooLargeError", original)
    fitted = fit_dead_letter(letter, BUDGET)
    assert encoded_size(fitted) <= BUDGET
    assert encoded_size(fitted) > BUDGET // 2  # cut to fit, not emptied
    assert original.startswith(fitted.original)
    assert fitted.original_bytes == len(original.encode("utf-8"))
    assert fitted.reason.startswith(letter.reason)
    assert f"{len(original.encode('utf-8'))} bytes" in fitted.reason
    # It is still a valid dead letter, as a reader of the topic sees it.
    assert DeadLetter.model_validate(json.loads(fitted.model_dump_json())) == fitted


def test_a_long_reason_is_cut() -> None:
    letter = dead_letter("index", "elasticsearch 400 mapper_parsing_exception: " + "y" * 10_000, b"{}")
    assert len(letter.reason) == MAX_REASON_CHARS
