"""cygrad.options: the argparse type= checks shared by cygrad's and plugins' commands."""
import argparse

import pytest

from cygrad.options import (
    finite_number, non_negative_number, output_file, output_folder, positive_number,
    whole_number,
)


@pytest.mark.parametrize("check, text, expected", [
    (whole_number(1), "3", 3), (whole_number(0), "0", 0), (finite_number, "-2.5", -2.5),
    (positive_number, "1e-3", 1e-3), (non_negative_number, "0", 0.0),
])
def test_good_values_convert(check, text, expected):
    assert check(text) == expected


@pytest.mark.parametrize("check, text, message", [
    (whole_number(1), "0", "at least 1"), (whole_number(0), "2.5", "whole number"),
    (finite_number, "inf", "finite"), (finite_number, "nan", "finite"),
    (positive_number, "0", "above 0"), (non_negative_number, "-1", "at least 0"),
    (positive_number, "x", "expected a number"),
])
def test_bad_values_are_argparse_type_errors(check, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        check(text)


def test_output_paths(tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("")
    assert output_folder(str(tmp_path / "new" / "deeper")) == tmp_path / "new" / "deeper"
    with pytest.raises(argparse.ArgumentTypeError, match="is a file, not a folder"):
        output_folder(str(a_file / "under"))
    assert output_file(str(tmp_path / "x.dot")) == tmp_path / "x.dot"
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder, not a file"):
        output_file(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError, match="does not exist"):
        output_file(str(tmp_path / "missing" / "x.dot"))


def test_a_parser_using_them_exits_2_on_a_bad_value(capsys):
    parser = argparse.ArgumentParser(prog="demo")
    parser.add_argument("--epochs", type=whole_number(1))
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--epochs", "0"])
    assert stop.value.code == 2 and "must be at least 1, got 0" in capsys.readouterr().err
