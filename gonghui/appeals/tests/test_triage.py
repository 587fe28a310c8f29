"""The triage classifier and its two commands (DESIGN.md §6 Triage, issue 5 "Triage model").

Training takes a few CPU seconds, so the model is trained once per test session (through the
command, as a user would) and the other tests load that file.
"""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from gonghui.appeals import triage

OUTPUT_KEYS = {"topic", "request_type", "confidence"}


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """`gonghui train-triage --out PATH` on the bundled data: (its printed JSON, the model path)."""
    path = tmp_path_factory.mktemp("triage") / "model.joblib"
    out = io.StringIO()
    call_command("train_triage", out=str(path), detail=True, stdout=out)
    return json.loads(out.getvalue()), path


@pytest.fixture
def model(trained, settings):
    """Point the process's model at the session's trained file and start with an empty cache."""
    settings.GONGHUI_TRIAGE_MODEL = str(trained[1])
    triage.reset_model()
    yield triage.get_model()
    triage.reset_model()


def run(name, *args, **options):
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def refused(name, *args, **options) -> str:
    with pytest.raises(CommandError) as excinfo:
        run(name, *args, **options)
    assert excinfo.value.returncode == 2
    return str(excinfo.value)


def write_csv(path: Path, header, rows, encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# ------------------------------------------------------------------------------------------- the data


def test_it_ships_a_labelled_training_set_and_a_separate_test_split_over_every_label():
    train = triage.read_examples(triage.TRAIN_CSV)
    test = triage.read_examples(triage.TEST_CSV)
    assert len(train) >= 600
    assert 0.15 <= len(test) / (len(train) + len(test)) <= 0.25
    assert not {e.text for e in train} & {e.text for e in test}
    assert len({e.text for e in train}) == len(train)
    for examples in (train, test):
        assert {e.topic for e in examples} == set(triage.TOPICS)
        assert {e.request_type for e in examples} == set(triage.REQUEST_TYPES)
    topics = [e.topic for e in train]
    assert max(set(topics), key=topics.count) == "欠薪/工资"  # DOMAIN.md §7: the most common


def test_its_codes_are_those_stored_on_appeals():
    from gonghui.appeals.states import RequestType, Topic

    assert list(triage.TOPIC_CODES.values()) == list(Topic.values)
    assert list(triage.REQUEST_TYPE_CODES.values()) == list(RequestType.values)
    with translation.override(None):
        assert [str(label) for label in Topic.labels] == list(triage.TOPICS)
        assert [str(label) for label in RequestType.labels] == list(triage.REQUEST_TYPES)


def test_it_uses_the_chinese_names_of_domain_md():
    assert triage.TOPICS == (
        "欠薪/工资", "劳动合同", "社会保险", "工伤", "工时休假", "劳动安全卫生", "女职工权益",
        "解除劳动关系", "劳动争议/仲裁", "困难帮扶", "入会/会籍", "心理援助", "其他",
    )  # fmt: skip
    assert triage.REQUEST_TYPES == ("问题咨询", "服务帮扶", "信访投诉", "法律援助", "意见建议")


# ------------------------------------------------------------------------------------------ training


def test_it_prints_figures_that_recomputing_from_the_saved_model_reproduces(trained):
    from sklearn.metrics import accuracy_score, f1_score

    printed, path = trained
    assert set(printed) == {"train_rows", "test_rows", "topic", "request_type", "both_accuracy", "model"}
    assert printed["train_rows"] == len(triage.read_examples(triage.TRAIN_CSV))
    assert printed["model"] == str(path)
    test = triage.read_examples(triage.TEST_CSV)
    assert printed["test_rows"] == len(test)

    model = triage.TriageModel.load(path)
    topics, kinds = model.predict([e.text for e in test])
    for label, predicted, truth in (
        ("topic", topics, [e.topic for e in test]),
        ("request_type", kinds, [e.request_type for e in test]),
    ):
        assert printed[label]["accuracy"] == round(accuracy_score(truth, predicted), 4)
        assert printed[label]["macro_f1"] == round(f1_score(truth, predicted, average="macro", zero_division=0), 4)
    both = sum(t == e.topic and k == e.request_type for t, k, e in zip(topics, kinds, test, strict=True))
    assert printed["both_accuracy"] == round(both / len(test), 4)
    # --detail: every label's F1, whose mean is the macro-F1 (every label occurs in the split).
    assert list(printed["topic"]["f1_by_label"]) == list(triage.TOPICS)
    assert list(printed["request_type"]["f1_by_label"]) == list(triage.REQUEST_TYPES)
    for label in ("topic", "request_type"):
        by_label = printed[label]["f1_by_label"].values()
        assert abs(sum(by_label) / len(by_label) - printed[label]["macro_f1"]) < 1e-3
    # Far above chance (13 topics, 5 request types): the model learnt something.
    assert printed["topic"]["macro_f1"] > 0.6
    assert printed["request_type"]["macro_f1"] > 0.6


def test_it_trains_the_same_model_every_time(trained):
    """Deterministic: a second training gives the same figures and the same probabilities."""
    texts = [e.text for e in triage.read_examples(triage.TEST_CSV)]
    first = triage.TriageModel.load(trained[1]).suggest_many(texts)
    again = triage.train()
    assert triage.evaluate(again, triage.read_examples(triage.TEST_CSV), detail=True) == {
        k: trained[0][k] for k in ("topic", "request_type", "both_accuracy")
    }
    second = again.suggest_many(texts)
    assert [(s.topic, s.request_type, s.confidence) for s in first] == [
        (s.topic, s.request_type, s.confidence) for s in second
    ]


def test_it_cross_validates_on_the_training_rows_on_request(tmp_path):
    """--cv K adds K-fold cross-validation scores; the small test split stands in as training data for speed."""
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "train_triage", data=[str(triage.TEST_CSV)], cv=2, out=str(tmp_path / "m.joblib"), stdout=out, stderr=err
    )
    printed = json.loads(out.getvalue())
    assert printed["cv"] == triage.cross_validate(triage.read_examples(triage.TEST_CSV), 2)
    assert printed["cv"]["folds"] == 2
    assert set(printed["cv"]) == {"folds", "topic", "request_type", "both_accuracy"}
    assert 0 <= printed["cv"]["topic"]["macro_f1"] <= 1
    # Training on the test split itself is allowed but flagged.
    assert "221 held-out text(s) also appear in the training data" in err.getvalue()


def test_it_refuses_fewer_than_two_folds(tmp_path):
    assert "at least 2 folds" in refused("train_triage", cv=1, out=str(tmp_path / "m.joblib"))
    assert not (tmp_path / "m.joblib").exists()


def test_it_trains_from_several_files_such_as_exported_overrides(tmp_path):
    overrides = write_csv(
        tmp_path / "overrides.csv",
        ["text", "topic", "request_type", "ticket"],
        [["电焊工的护目镜好久没换了", "劳动安全卫生", "信访投诉", "X1"]],
    )
    printed = json.loads(
        run("train_triage", data=[str(triage.TRAIN_CSV), str(overrides)], out=str(tmp_path / "m.joblib"))
    )
    assert printed["train_rows"] == len(triage.read_examples(triage.TRAIN_CSV)) + 1
    assert (tmp_path / "m.joblib").is_file()


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (["text", "topic"], ["工资没发", "欠薪/工资"], "missing column(s) request_type"),
        (["text", "topic", "request_type"], ["工资没发", "工资", "信访投诉"], "line 2: unknown topic '工资'"),
        (["text", "topic", "request_type"], ["工资没发", "欠薪/工资", "投诉"], "unknown request type '投诉'"),
        (["text", "topic", "request_type"], ["  ", "欠薪/工资", "信访投诉"], "line 2: empty text"),
    ],
)
def test_it_refuses_bad_training_data_and_writes_nothing(tmp_path, header, row, message):
    data = write_csv(tmp_path / "bad.csv", header, [row])
    out = tmp_path / "m.joblib"
    assert message in refused("train_triage", data=[str(data)], out=str(out))
    assert not out.exists()


def test_it_refuses_a_label_with_a_single_training_row(tmp_path):
    rows = [
        ["工资没发", "欠薪/工资", "问题咨询"],
        ["老板欠钱", "欠薪/工资", "问题咨询"],
        ["想入会", "入会/会籍", "问题咨询"],
    ]
    data = write_csv(tmp_path / "tiny.csv", ["text", "topic", "request_type"], rows)
    message = refused("train_triage", data=[str(data)], out=str(tmp_path / "m.joblib"))
    assert "topic '入会/会籍' has only one training row" in message
    assert not (tmp_path / "m.joblib").exists()


def test_it_refuses_a_missing_training_file(tmp_path):
    assert "no such file" in refused("train_triage", data=[str(tmp_path / "nope.csv")], out=str(tmp_path / "m"))


# ------------------------------------------------------------------------------- gonghui triage TEXT…


def test_it_prints_one_json_object_per_text_in_order(model):
    texts = ["老板跑路了，俺们的工钱咋办", "俺想入工会，咋弄", "公司一直没给我们交五险一金"]
    lines = run("triage", *texts).splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        assert set(obj) == OUTPUT_KEYS
        assert obj["topic"] in triage.TOPICS
        assert obj["request_type"] in triage.REQUEST_TYPES
        assert isinstance(obj["confidence"], float) and 0.0 <= obj["confidence"] <= 1.0
    assert "欠薪/工资" in lines[0]  # Chinese printed as is, not \\u escapes
    assert [o["topic"] for o in objects] == ["欠薪/工资", "入会/会籍", "社会保险"]


def test_it_gives_the_same_answer_every_time(model):
    text = "我在工地上摔断了腿，包工头不管，算不算工伤"
    assert run("triage", text, text) == run("triage", text, text)
    first, second = run("triage", text, text).splitlines()
    assert first == second


# Sentences written for this test, in none of the data files: colloquial, dialect, typos, mixed topics.
UNSEEN = [
    ("俺在鞋厂干了半年，老板一直压着工钱不给，说是等年底", "欠薪/工资"),
    ("干活的时候被电锯拉了手，厂里不给报工伤，还叫我自己出钱看病", "工伤"),
    ("单位从来木有给俺交过社保，医保卡也没有", "社会保险"),
    ("天天加班到夜里十二点，周末也不让歇，加班费一分没有", "工时休假"),
    ("我怀孕了，经理就让我自己辞职，不然就调我去外地", "女职工权益"),
    ("经理昨天跟我说明天不用来了，补偿也不给，就这么把我炒了", "解除劳动关系"),
    ("仲裁委那边立案了，开庭要带什么材料", "劳动争议/仲裁"),
    ("跑外卖的能入工会不，在哪办", "入会/会籍"),
    ("活着太累了，最近老是想一了百了", "心理援助"),
    ("车间里全是油漆味，一个口罩都不发", "劳动安全卫生"),
    ("孩子得了重病，家里实在拿不出钱了，工会能帮帮忙不", "困难帮扶"),
    ("进厂一年多了，老板一直不跟我们签和同", "劳动合同"),
]


def test_it_suggests_sensible_topics_for_unseen_colloquial_calls(model):
    known = {e.text for p in (triage.TRAIN_CSV, triage.TEST_CSV) for e in triage.read_examples(p)}
    assert not known & {text for text, _ in UNSEEN}
    suggestions = model.suggest_many([text for text, _ in UNSEEN])
    right = [s.topic == topic for s, (_, topic) in zip(suggestions, UNSEEN, strict=True)]
    assert sum(right) >= len(UNSEEN) - 2, [(t, s.topic) for s, (t, _) in zip(suggestions, UNSEEN, strict=True)]
    # The request type follows the wording: a complaint, a question, a call for a lawyer, a suggestion.
    kinds = model.suggest_many(
        [
            "我要投诉这个黑心老板，拖欠工资半年了",
            "请问没签合同能要双倍工资吗",
            "欠薪的官司我想打，但请不起律师，能给我派个律师不",
            "建议工会在工业园多建几个职工驿站",
        ]
    )
    assert [s.request_type for s in kinds] == ["信访投诉", "问题咨询", "法律援助", "意见建议"]


def test_it_is_more_confident_about_a_plain_case_than_about_a_vague_one(model):
    plain = model.suggest("老板欠了我三个月工资不给，我要投诉他")
    vague = model.suggest("喂，你好，我想问个事")
    assert plain.confidence > vague.confidence
    assert plain.confidence == round(plain.topic_confidence * plain.request_type_confidence, 4)


def test_it_suggests_without_touching_the_database(model):
    """No `db` fixture here: pytest-django makes any query raise, so this passing means zero queries."""
    assert triage.suggest("工资拖欠三个月了").topic == "欠薪/工资"


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        ((), {}, "give at least one text, or --csv FILE"),
        (("",), {}, "empty text (argument 1)"),
        (("工资没发", "   "), {}, "empty text (argument 2)"),
        (("工资没发",), {"csv_file": "x.csv"}, "not both"),
        (("工资没发",), {"out": "x.csv"}, "--out goes with --csv"),
    ],
)
def test_it_refuses_bad_arguments_with_exit_2(model, args, options, message):
    assert message in refused("triage", *args, **options)


def test_it_refuses_empty_text_from_python_too(model):
    with pytest.raises(triage.TriageError, match="empty"):
        triage.suggest(" \n ")


def test_the_console_script_exits_2_on_empty_text(tmp_path):
    env = {**os.environ, "GONGHUI_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gonghui", "triage", ""], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2
    assert "empty text" in done.stderr
    assert done.stdout == ""


def test_the_console_script_prints_json_lines(trained, tmp_path):
    (tmp_path / "triage").mkdir()
    (tmp_path / "triage" / "model.joblib").write_bytes(trained[1].read_bytes())  # where train-triage saves
    env = {**os.environ, "GONGHUI_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gonghui", "triage", "包工头跑路了工钱没给", "想入会"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [set(line) for line in lines] == [OUTPUT_KEYS, OUTPUT_KEYS]
    assert lines[0]["topic"] == "欠薪/工资"


# ----------------------------------------------------------------------------- gonghui triage --csv


def test_it_adds_the_three_columns_to_a_csv(model, tmp_path):
    source = write_csv(
        tmp_path / "calls.csv",
        ["id", "text", "channel"],
        [["1", "老板拖欠工资两个月了", "12351"], ["2", "我想咨询一下怎么入会", "微信"]],
    )
    rows = list(csv.DictReader(io.StringIO(run("triage", csv_file=str(source)))))
    assert list(rows[0]) == ["id", "text", "channel", "topic", "request_type", "confidence"]
    assert [r["id"] for r in rows] == ["1", "2"]
    assert [r["channel"] for r in rows] == ["12351", "微信"]
    for row in rows:
        assert row["topic"] in triage.TOPICS and row["request_type"] in triage.REQUEST_TYPES
        assert 0.0 <= float(row["confidence"]) <= 1.0
    expected = model.suggest_many(["老板拖欠工资两个月了", "我想咨询一下怎么入会"])
    assert [r["topic"] for r in rows] == [s.topic for s in expected]
    assert [float(r["confidence"]) for r in rows] == [s.confidence for s in expected]


def test_it_writes_the_csv_to_out_and_reads_gbk(model, tmp_path):
    source = write_csv(tmp_path / "gbk.csv", ["text"], [["工地上没有安全网，也没发安全帽"]], encoding="gbk")
    out = tmp_path / "result.csv"
    assert run("triage", csv_file=str(source), out=str(out)) == ""
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["text", "topic", "request_type", "confidence"]
    assert rows[0]["text"] == "工地上没有安全网，也没发安全帽"


def test_it_keeps_a_labelled_files_own_columns_beside_the_suggestions(model, tmp_path):
    source = write_csv(
        tmp_path / "labelled.csv", ["text", "topic", "request_type"], [["工资没发", "欠薪/工资", "问题咨询"]]
    )
    rows = list(csv.DictReader(io.StringIO(run("triage", csv_file=str(source)))))
    assert list(rows[0]) == ["text", "topic_input", "request_type_input", "topic", "request_type", "confidence"]
    assert rows[0]["topic_input"] == "欠薪/工资"


def test_it_writes_just_the_header_for_a_csv_without_rows(model, tmp_path):
    source = write_csv(tmp_path / "empty.csv", ["text"], [])
    assert run("triage", csv_file=str(source)).splitlines() == ["text,topic,request_type,confidence"]


def test_it_refuses_a_csv_without_a_text_column(model, tmp_path):
    source = write_csv(tmp_path / "calls.csv", ["id", "内容"], [["1", "工资没发"]])
    out = tmp_path / "out.csv"
    assert "no 'text' column (columns: id, 内容)" in refused("triage", csv_file=str(source), out=str(out))
    assert not out.exists()


def test_it_refuses_a_csv_with_an_empty_text_and_names_the_line(model, tmp_path):
    source = write_csv(tmp_path / "calls.csv", ["id", "text"], [["1", "工资没发"], ["2", " "]])
    assert "empty text on line 3" in refused("triage", csv_file=str(source))


def test_it_refuses_a_missing_csv(model, tmp_path):
    assert "no such file" in refused("triage", csv_file=str(tmp_path / "nope.csv"))


# ------------------------------------------------------------------------------ operators' overrides


@pytest.mark.django_db
def test_it_retrains_with_the_tickets_whose_operator_corrected_the_suggestion(operator, tree, tmp_path):
    from gonghui.appeals.tests.helpers import register

    suggestion = {"suggested_topic": "wages", "suggested_request_type": "complaint", "triage_confidence": 0.4}
    register(operator, tree.province, text="厂里发的是购物卡不是钱，家里揭不开锅了", topic="hardship", **suggestion)
    register(operator, tree.province, text="工资拖了两个月", caller_phone="13900139000", **suggestion)  # accepted
    register(operator, tree.province, text="老板不给钱", caller_phone="13700137000", topic="wages")  # no suggestion
    assert triage.override_examples() == [
        triage.Example("厂里发的是购物卡不是钱，家里揭不开锅了", "困难帮扶", "信访投诉")
    ]

    printed = json.loads(run("train_triage", overrides=True, out=str(tmp_path / "m.joblib")))
    assert printed["override_rows"] == 1
    assert printed["train_rows"] == len(triage.read_examples(triage.TRAIN_CSV)) + 1
    assert triage.TriageModel.load(tmp_path / "m.joblib").meta["extra_rows"] == 1


def test_a_suggestion_gives_the_codes_to_store(model):
    suggestion = model.suggest("老板拖欠工资三个月，我要投诉")
    assert (suggestion.topic_code, suggestion.request_type_code) == ("wages", "complaint")


# --------------------------------------------------------------------------------------- model cache


def test_it_loads_the_model_once_per_process(model):
    assert triage.get_model() is triage.get_model() is model


def test_it_trains_from_the_bundled_data_when_no_model_file_exists(settings, tmp_path, trained):
    settings.GONGHUI_TRIAGE_MODEL = str(tmp_path / "absent.joblib")
    triage.reset_model()
    try:
        built = triage.get_model()
        assert built.meta["data"] == ["triage_train.csv"]
        assert built.suggest("工资拖欠三个月了") == triage.TriageModel.load(trained[1]).suggest("工资拖欠三个月了")
    finally:
        triage.reset_model()


def test_it_ignores_a_model_file_from_another_version_or_a_broken_one(trained, tmp_path, caplog):
    old = triage.TriageModel.load(trained[1])
    old.meta = {**old.meta, "sklearn": "0.0.1"}
    old.save(tmp_path / "old.joblib")
    assert triage.TriageModel.load(tmp_path / "old.joblib") is None
    (tmp_path / "broken.joblib").write_bytes(b"not a model")
    assert triage.TriageModel.load(tmp_path / "broken.joblib") is None
    assert "training from the bundled data" in caplog.text
    assert "工资" not in caplog.text  # the log names files and versions, never appeal text
