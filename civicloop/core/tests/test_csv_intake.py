"""The one CSV intake: what a person uploading a file is told, whatever they import."""

from __future__ import annotations

import codecs
import csv
import io

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from civicloop.core.csv_intake import (
    CsvRow,
    ImportReport,
    RowError,
    normalise_header,
    not_utf8,
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


def test_a_file_in_a_legacy_encoding_is_refused_with_how_to_save_it_at_the_bad_line():
    table = read_csv("kpi_id,date,value\n1,2026-01-01,Año\n".encode("cp1252"), required=REQUIRED)
    assert table.errors == [RowError(2, not_utf8())]
    assert table.errors[0].message.startswith("The file is not UTF-8 text.")
    assert "CSV UTF-8" in table.errors[0].message
    assert table.rows == []


def test_semicolons_get_a_hint_instead_of_missing_columns():
    table = read_csv("kpi_id;date;value\n1;2026-01-01;41,5\n", required=REQUIRED)
    assert len(table.errors) == 1
    line, message, column = table.errors[0]
    assert (line, column) == (1, "")
    assert "separated by ';'" in message
    assert "Missing" not in message
    assert table.rows == []


def test_a_tab_separated_file_gets_the_hint_too():
    table = read_csv("kpi_id\tdate\tvalue\n1\t2026-01-01\t4\n", required=REQUIRED)
    assert "separated by tabs" in table.errors[0].message


def test_semicolons_are_read_when_the_importer_accepts_them():
    table = read_csv("kpi_id;date;value\n1;2026-01-01;41,5\n", required=REQUIRED, delimiters=",;")
    assert table.ok
    assert table.rows[0]["value"] == "41,5"


def test_a_semicolon_inside_a_comma_file_is_just_text():
    table = read_csv('kpi_id,date,value\n1,2026-01-01,"a;b"\n', required=REQUIRED)
    assert table.ok and table.rows[0]["value"] == "a;b"


def test_missing_required_columns_are_named_in_order():
    table = read_csv("kpi,when\n1,2\n", required=REQUIRED)
    assert table.errors == [
        RowError(1, "This column is required.", "kpi_id"),
        RowError(1, "This column is required.", "date"),
        RowError(1, "This column is required.", "value"),
    ]
    assert table.rows == []


def test_unknown_columns_are_refused_when_the_importer_lists_what_it_reads():
    table = read_csv("kpi_id,date,value,sorce\n1,2026-01-01,4,x\n", required=REQUIRED,
                     optional=["source", "note"])  # fmt: skip
    assert table.errors == [
        RowError(1, "Unknown column: the columns are kpi_id, date, value, source, note.", "sorce")
    ]
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
    assert table.errors == [RowError(1, "This column appears twice in the header.", "date")]


def test_every_header_problem_is_listed_each_naming_its_column():
    table = read_csv("kpi_id,kpi_id,sorce\n1,2,3\n", required=REQUIRED, optional=["source"])
    assert [(e.line, e.column) for e in table.errors] == [
        (1, "kpi_id"),
        (1, "sorce"),
        (1, "date"),
        (1, "value"),
    ]
    assert "twice" in table.errors[0].message and "Unknown" in table.errors[1].message


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
    assert table.errors == [RowError(3, "The row has 3 cells but the header names 2 columns.")]
    assert [r.line for r in table.rows] == [2, 4]


def test_row_and_size_limits_refuse_the_file():
    text = "id\n" + "".join(f"{i}\n" for i in range(5))
    table = read_csv(text, required=["id"], max_rows=4)
    assert table.errors == [RowError(6, "Too many rows: at most 4 per file.")]
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
        RowError(2, "'x' is not a number.", "value"),
        RowError(3, "The row has 3 cells but the header names 2 columns."),
    ]
    assert report.imported == 0 and not report.ok
    assert report.rejected_rows == 2


def test_an_error_reads_as_line_and_column_when_a_column_is_at_fault():
    assert RowError(4, "Write a number.", "outcome").describe() == (
        "Line 4, column outcome: Write a number."
    )
    assert RowError(3, "The row cannot be read.").describe() == "Line 3: The row cannot be read."
    assert RowError(0, "The file is too large.").describe() == "The file is too large."


def test_a_validation_error_of_the_whole_row_names_no_column():
    report = ImportReport()
    report.reject_error(5, ValidationError("The answers contradict each other."))
    report.reject_error(6, ValidationError({"__all__": ["Nothing to record."]}))
    assert report.rejected == [
        RowError(5, "The answers contradict each other."),
        RowError(6, "Nothing to record."),
    ]


def test_a_value_longer_than_the_cell_limit_is_refused_naming_its_column():
    table = read_csv("id,note\n1,short\n2," + "x" * 11 + "\n", required=["id"], max_cell=10)
    assert table.errors == [RowError(3, "The cell is longer than 10 characters.", "note")]
    assert [r.line for r in table.rows] == [2]


def test_a_header_without_rows_is_refused_on_the_line_after_it():
    assert read_csv("id,a\n", required=["id"]).errors == [
        RowError(2, "The file has no data rows under the header.")
    ]
    assert read_csv("id,a\n,\n\n", required=["id"]).errors[0].line == 2


def test_a_nul_character_is_refused_at_its_line():
    table = read_csv("id,a\n1,x\n2,y\x00\n", required=["id"])
    assert table.errors == [
        RowError(3, "The file contains NUL characters: it is not a text CSV file.")
    ]


def test_utf16_without_its_mark_is_refused_not_read_as_gibberish():
    table = read_csv("id,a\n1,x\n".encode("utf-16-le"), required=["id"])
    assert table.errors[0].line == 1 and "NUL" in table.errors[0].message


def test_a_row_the_csv_reader_cannot_read_is_refused_at_its_line():
    table = read_csv('id,a\n1,x\n2,"' + "9" * 140_000 + '"\n', required=["id"])
    assert [e.line for e in table.errors] == [3]
    assert table.errors[0].message.startswith("The row cannot be read as CSV")
    assert table.rows == []


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
            min_size=1,  # a header alone is refused: test_a_header_without_rows_...
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
