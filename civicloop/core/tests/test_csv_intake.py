"""The one CSV intake: what a person uploading a file is told, whatever they import."""

from __future__ import annotations

import codecs
import csv
import io

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from civicloop.core.csv_intake import (
    NOT_UTF8,
    CsvRow,
    ImportReport,
    RowError,
    normalise_header,
    read_csv,
)

REQUIRED = ["kpi_id", "date", "value"]


def test_utf8_with_and_without_byte_order_mark_read_the_same():
    text = "kpi_id,date,value\n1,2026-01-01,Año 4\n"
    for data in (text, text.encode(), codecs.BOM_UTF8 + text.encode(), "\ufeff" + text):
        table = read_csv(data, required=REQUIRED)
        assert table.ok, table.errors
        assert table.columns == REQUIRED
        assert table.rows == [CsvRow(2, {"kpi_id": "1", "date": "2026-01-01", "value": "Año 4"})]


def test_utf16_with_its_byte_order_mark_is_read():
    data = codecs.BOM_UTF16_LE + "kpi_id,date,value\n1,2026-01-01,ñ\n".encode("utf-16-le")
    table = read_csv(data, required=REQUIRED)
    assert table.ok
    assert table.rows[0]["value"] == "ñ"


def test_a_file_in_a_legacy_encoding_is_refused_with_how_to_save_it():
    table = read_csv("kpi_id,date,value\n1,2026-01-01,Año\n".encode("cp1252"), required=REQUIRED)
    assert table.errors == [RowError(0, NOT_UTF8)]
    assert table.errors[0].message.startswith("The file is not UTF-8 text.")
    assert "CSV UTF-8" in table.errors[0].message
    assert table.rows == []


def test_semicolons_get_a_hint_instead_of_missing_columns():
    table = read_csv("kpi_id;date;value\n1;2026-01-01;41,5\n", required=REQUIRED)
    assert len(table.errors) == 1
    line, message = table.errors[0]
    assert line == 1
    assert "separated by ';'" in message
    assert "Missing" not in message
    assert table.rows == []


def test_a_tab_separated_file_gets_the_hint_too():
    table = read_csv("kpi_id\tdate\tvalue\n1\t2026-01-01\t4\n", required=REQUIRED)
    assert "separated by a tab" in table.errors[0].message


def test_semicolons_are_read_when_the_importer_accepts_them():
    table = read_csv("kpi_id;date;value\n1;2026-01-01;41,5\n", required=REQUIRED, delimiters=",;")
    assert table.ok
    assert table.rows[0]["value"] == "41,5"


def test_a_semicolon_inside_a_comma_file_is_just_text():
    table = read_csv('kpi_id,date,value\n1,2026-01-01,"a;b"\n', required=REQUIRED)
    assert table.ok and table.rows[0]["value"] == "a;b"


def test_missing_required_columns_are_named_in_order():
    table = read_csv("kpi,when\n1,2\n", required=REQUIRED)
    assert table.errors == [(1, "Missing column(s): kpi_id, date, value.")]
    assert table.rows == []


def test_unknown_columns_are_refused_when_the_importer_lists_what_it_reads():
    table = read_csv("kpi_id,date,value,sorce\n1,2026-01-01,4,x\n", required=REQUIRED,
                     optional=["source", "note"])  # fmt: skip
    assert table.errors == [(1, "Unknown column(s): sorce.")]
    kept = read_csv("kpi_id,date,value,sorce\n1,2026-01-01,4,x\n", required=REQUIRED)
    assert kept.ok and kept.rows[0]["sorce"] == "x"


def test_headers_are_normalised_and_empty_trailing_columns_ignored():
    table = read_csv(" KPI id ,Date,VALUE,,\n1,2026-01-01,4,,\n", required=REQUIRED)
    assert table.ok
    assert table.columns == REQUIRED
    assert table.rows[0].values == {"kpi_id": "1", "date": "2026-01-01", "value": "4"}
    assert normalise_header("Submitted-at") == "submitted_at"


def test_a_column_named_twice_is_refused():
    table = read_csv("kpi_id,date,value,Date\n1,2,3,4\n", required=REQUIRED)
    assert table.errors == [(1, "Column(s) named twice: date.")]


def test_a_quoted_value_may_span_lines_and_rows_keep_their_starting_line():
    text = 'id,comment\n1,"first line\nsecond line"\n2,"with ""quotes"", and a comma"\n3,plain\n'
    table = read_csv(text, required=["id", "comment"])
    assert table.ok
    assert [(r.line, r["comment"]) for r in table.rows] == [
        (2, "first line\nsecond line"),
        (4, 'with "quotes", and a comma'),
        (5, "plain"),
    ]


def test_blank_rows_are_skipped_and_short_rows_padded():
    table = read_csv("id,a,b\n\n1,x\n,,\n2,y,z\n", required=["id"])
    assert table.ok
    assert [(r.line, r.values) for r in table.rows] == [
        (3, {"id": "1", "a": "x", "b": ""}),
        (5, {"id": "2", "a": "y", "b": "z"}),
    ]
    assert table.rows_read == 2


def test_a_row_with_more_values_than_columns_is_refused_at_its_line():
    table = read_csv("id,a\n1,x\n2,y,surplus\n3,z\n", required=["id"])
    assert table.errors == [(3, "The row has 3 values but the header names 2 columns.")]
    assert [r.line for r in table.rows] == [2, 4]


def test_row_and_size_limits_refuse_the_file():
    text = "id\n" + "".join(f"{i}\n" for i in range(5))
    table = read_csv(text, required=["id"], max_rows=4)
    assert table.errors == [(6, "Too many rows: at most 4 per file.")]
    assert table.rows == []
    big = read_csv(text, required=["id"], max_bytes=5)
    assert big.errors[0].line == 0 and "larger than" in big.errors[0].message


def test_an_empty_file_says_what_the_first_line_is_for():
    assert read_csv(b"", required=["id"]).errors[0].line == 1
    assert "names the columns" in read_csv("  \n", required=["id"]).errors[0].message


def test_import_report_collects_errors_by_line_and_names_the_field():
    report = ImportReport.for_table(read_csv("id,a\n1,x\n2,y,z\n", required=["id"]))
    report.reject_error(2, ValidationError({"value": "'x' is not a number."}))
    report.imported = 1
    report.nothing_imported()
    assert report.rejected == [
        (2, "value: 'x' is not a number."),
        (3, "The row has 3 values but the header names 2 columns."),
    ]
    assert report.imported == 0 and not report.ok


_names = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: not n.endswith("_")),
    min_size=1,
    max_size=5,
    unique=True,
)
_value = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@given(data=st.data(), names=_names, as_bytes=st.booleans())
def test_what_a_csv_writer_wrote_reads_back_the_same(data, names, as_bytes):
    rows = data.draw(
        st.lists(
            st.lists(_value, min_size=len(names), max_size=len(names)).filter(
                lambda values: any(v.strip() for v in values)
            ),
            max_size=6,
        )
    )
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows(rows)
    text = buffer.getvalue()
    table = read_csv(text.encode() if as_bytes else text, required=names)
    assert table.ok, table.errors
    assert [list(r.values.values()) for r in table.rows] == rows
    assert [r.line for r in table.rows] == sorted({r.line for r in table.rows})
