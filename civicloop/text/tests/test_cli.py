import csv
import io
import json
import logging

import pytest

from civicloop.cli.feedback_text import main

ROWS = [
    ["id", "comment", "lang", "score"],
    ["1", "My name is John Smith, call me on +44 20 7946 0958", "en", "2"],
    ["2", "El autobús siempre llega tarde por la mañana", "es", "1"],
    ["3", "", "en", "5"],
    ["4", "The bus is always late in the morning. DNI 12345678Z", "en", "1"],
    ["5", "El parque está lleno de basura", "es", "2"],
    ["6", "The park is full of rubbish, write to ana@example.org", "en", "2"],
]
SECRETS = ["John Smith", "7946 0958", "12345678Z", "ana@example.org"]


@pytest.fixture
def feedback_csv(tmp_path):
    path = tmp_path / "feedback.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROWS)
    return path


def test_redact_keeps_every_column_row_and_order(feedback_csv, capsys):
    assert (
        main(["redact", str(feedback_csv), "--column", "comment", "--language-column", "lang"]) == 0
    )
    out = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(out) == len(ROWS)
    assert out[0] == ROWS[0]
    for original, redacted in zip(ROWS[1:], out[1:], strict=True):
        assert [original[0], original[2], original[3]] == [redacted[0], redacted[2], redacted[3]]
    assert out[1][1] == "My name is [NAME], call me on [PHONE]"
    assert out[4][1] == "The bus is always late in the morning. DNI [ID]"
    assert out[6][1] == "The park is full of rubbish, write to [EMAIL]"
    assert out[2][1] == ROWS[2][1]
    assert out[3][1] == ""


def test_redact_keeps_a_semicolon_delimiter(tmp_path, capsys):
    path = tmp_path / "semi.csv"
    path.write_text("id;texto\n1;Llámeme al 612 345 678\n", encoding="utf-8")
    assert main(["redact", str(path), "--column", "texto"]) == 0
    assert capsys.readouterr().out == "id;texto\n1;Llámeme al [PHONE]\n"


def test_themes_json_contract(feedback_csv, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    code = main(
        ["themes", str(feedback_csv), "--column", "comment", "--language-column", "lang",
         "--format", "json"]
    )  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert set(data) == {"themes", "assignments"}
    assignments = data["assignments"]
    assert len(assignments) == len(ROWS) - 1
    assert assignments[2] is None
    ids = {t["id"] for t in data["themes"]}
    assert {a for a in assignments if a is not None} == ids
    for theme in data["themes"]:
        assert {"id", "label", "size", "quotes"} <= set(theme)
        assert theme["size"] == assignments.count(theme["id"])
    # Bus comments in English and Spanish share a theme, as do the park ones.
    assert assignments[1] == assignments[3]
    assert assignments[4] == assignments[5]
    assert assignments[1] != assignments[4]
    everything = captured.out + captured.err + caplog.text
    for secret in SECRETS:
        assert secret not in everything


def test_themes_table(feedback_csv, capsys):
    assert main(["themes", str(feedback_csv), "--column", "comment"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["id", "size", "label"]
    assert "6 rows, 1 empty" in out


@pytest.mark.parametrize("command", ["redact", "themes"])
def test_missing_column_is_one_line_and_exit_2(feedback_csv, capsys, command):
    assert main([command, str(feedback_csv), "--column", "text"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "no column 'text'" in captured.err
    assert "Traceback" not in captured.err


def test_unreadable_or_missing_file_exit_2(tmp_path, capsys):
    assert main(["redact", str(tmp_path / "absent.csv"), "--column", "c"]) == 2
    assert "cannot read" in capsys.readouterr().err
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"c\n\xff\xfe\x00bad\n")
    assert main(["redact", str(binary), "--column", "c"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not UTF-8" in err
    assert main(["themes", str(tmp_path), "--column", "c"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_missing_language_column_and_bad_arguments(feedback_csv, capsys):
    assert main(["redact", str(feedback_csv), "--column", "comment", "--language-column", "x"]) == 2
    assert "no language column 'x'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["themes", str(feedback_csv)])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
