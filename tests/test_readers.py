"""Every kind of bad input is refused with the file, the place and the fix; good input reads."""

import pytest

from helpers.data import load_dataset_splits
from helpers.readers import DataError, read_labelled_file

GOOD_CSV = 'text,label\n"Great, really great.",positive\nDull and long.,negative\n'


def test_csv_with_string_labels(write_file):
    data = read_labelled_file(write_file("a.csv", GOOD_CSV))
    assert data.texts == ["Great, really great.", "Dull and long."]
    assert data.labels == ["positive", "negative"]


def test_tsv_and_jsonl_with_other_column_names(write_file):
    tsv = read_labelled_file(write_file("a.tsv", "sentence\tlabel\nfine film\t1\nbad film\t0\n"))
    assert tsv.text_column == "sentence" and tsv.labels == ["1", "0"]
    jsonl = read_labelled_file(
        write_file(
            "a.jsonl", '{"review": "fine", "sentiment": 1}\n{"review": "bad", "sentiment": 0}\n'
        )
    )
    assert jsonl.texts == ["fine", "bad"] and jsonl.labels == [1, 0]


def test_explicit_columns_and_extra_columns_are_kept(write_file):
    path = write_file("a.csv", "id,body,stars,tag\n1,good,pos,none\n2,bad,neg,sarcasm\n")
    data = read_labelled_file(path, text_column="body", label_column="stars")
    assert data.texts == ["good", "bad"] and data.extra["tag"] == ["none", "sarcasm"]


def test_string_labels_map_to_sorted_ids_and_are_stored(write_file):
    train = write_file("train.csv", GOOD_CSV)
    validation = write_file("validation.csv", "text,label\nok,positive\n")
    splits = load_dataset_splits(train=train, validation=validation)
    assert splits.label_names == ["negative", "positive"]
    assert splits.train.labels == [1, 0] and splits.validation.labels == [1]


def expect_error(match: str, *args, **kwargs) -> str:
    with pytest.raises(DataError, match=match) as caught:
        load_dataset_splits(*args, **kwargs)
    return str(caught.value)


def test_missing_file(tmp_path):
    message = expect_error("file not found", train=tmp_path / "nope.csv")
    assert "nope.csv" in message and "Check the path" in message


def test_unknown_format(write_file):
    message = expect_error("unknown format '.xlsx'", train=write_file("a.xlsx", GOOD_CSV))
    assert "a.xlsx" in message and ".csv, .tsv or .jsonl" in message


def test_no_header(write_file):
    path = write_file("a.csv", "Great film,positive\nDull,negative\n")
    message = expect_error("no header", train=path)
    assert "a.csv, line 1" in message and "Add a header line" in message


def test_missing_text_column(write_file):
    message = expect_error("no text column", train=write_file("a.csv", "words,label\nhi,1\n"))
    assert "--text-column" in message and "line 1" in message


def test_missing_label_column(write_file):
    message = expect_error("no label column", train=write_file("a.csv", "text,stars\nhi,5\n"))
    assert "--label-column" in message


def test_asked_for_column_that_does_not_exist(write_file):
    message = expect_error(
        "no column 'body'", train=write_file("a.csv", GOOD_CSV), text_column="body"
    )
    assert "columns: text, label" in message


def test_empty_text(write_file):
    path = write_file("a.csv", "text,label\ngood,positive\n   ,negative\n")
    message = expect_error("empty text", train=path)
    assert "a.csv, line 3, column 'text'" in message and "delete the line" in message


def test_missing_label(write_file):
    path = write_file("a.csv", "text,label\ngood,positive\nbad,\n")
    message = expect_error("missing label", train=path)
    assert "line 3, column 'label'" in message


def test_label_never_seen_in_training(write_file):
    train = write_file("train.csv", GOOD_CSV)
    validation = write_file("validation.csv", "text,label\nfine,positive\nmeh,neutral\n")
    message = expect_error("label 'neutral' never appears", train=train, validation=validation)
    assert "validation.csv, line 3" in message and "train.csv" in message


def test_unlabelled_glue_test_rows_are_refused(write_file):
    message = expect_error("negative", train=write_file("test.tsv", "sentence\tlabel\nfine\t-1\n"))
    assert "labelled split" in message


def test_non_utf8_bytes(write_file):
    path = write_file("a.csv", b"text,label\ngood,positive\n" + "café,negative\n".encode("latin-1"))
    message = expect_error("not UTF-8", train=path)
    assert "line 3, column 4" in message and "0xe9" in message and "UTF-8" in message


def test_empty_dataset_header_only(write_file):
    message = expect_error(
        "no examples after the header", train=write_file("a.csv", "text,label\n")
    )
    assert "a.csv" in message


def test_empty_file(write_file):
    expect_error("the file is empty", train=write_file("a.csv", ""))


def test_row_with_wrong_number_of_fields(write_file):
    path = write_file("a.csv", "text,label\ngood,positive,extra\n")
    message = expect_error("3 fields where the header has 2", train=path)
    assert "line 2" in message


def test_broken_json_line(write_file):
    path = write_file("a.jsonl", '{"text": "good", "label": 1}\n{"text": "bad", label: 0}\n')
    message = expect_error("not valid JSON", train=path)
    assert "a.jsonl, line 2" in message


def test_validation_without_train_is_refused(write_file):
    expect_error("need --train", validation=write_file("v.csv", GOOD_CSV))


def test_unknown_dataset_name():
    expect_error("unknown dataset 'mnist'", "mnist")
