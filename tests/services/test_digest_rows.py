"""queries.digest's rows and the digest's records name the same fields in the same order:
services.digest builds each record from its row positionally."""

from __future__ import annotations

from dataclasses import fields
from typing import NamedTuple

import pytest

from domain import digest_data
from queries import digest as rows


@pytest.mark.parametrize(
    ("row", "record", "extra"),
    [
        (rows.LaunchRow, digest_data.LaunchRecord, ()),
        (rows.AssetCounts, digest_data.AssetRecord, ()),
        (rows.CommentRow, digest_data.CommentRecord, ()),
        (rows.QuestionRow, digest_data.QuestionRecord, ()),
        (rows.Participation, digest_data.Participation, ()),
        (rows.BrokenLinkRow, digest_data.BrokenLink, ("reason",)),
    ],
)
def test_rows_and_records_share_their_fields_in_order(
    row: type[NamedTuple], record: type, extra: tuple[str, ...]
) -> None:
    assert (*row._fields, *extra) == tuple(f.name for f in fields(record))
