"""Times are Beijing time everywhere, and each language writes a date one way."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

#: 01:18 in Beijing on 30 November is 17:18 UTC on the 29th: the day must not slip back.
DECIDED_AT = datetime.datetime(2026, 11, 29, 17, 18, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "date_only", "with_time"),
    [("zh-hans", "2026-11-30", "2026-11-30 01:18"), ("en", "30 Nov 2026", "30 Nov 2026 01:18")],
)
def test_one_format_per_language_in_beijing_time(language, date_only, with_time):
    template = Template('{{ at|date }}|{{ at|date:"DATETIME_FORMAT" }}|{{ at }}|{{ day }}')
    with translation.override(language):
        out = template.render(Context({"at": DECIDED_AT, "day": datetime.date(2026, 11, 30)}))
    assert out == f"{date_only}|{with_time}|{with_time}|{date_only}"


def test_no_template_writes_its_own_date_format():
    """`|date:"Y-m-d"` in a template would be a second way to write a date; the format belongs to the
    language (ipops/formats)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for pattern in ("templates/**/*.html", "*/templates/**/*.html")
        for path in root.glob(pattern)
        if ".venv" not in path.parts and '|date:"Y' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
