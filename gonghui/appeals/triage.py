"""Triage: suggest an appeal's topic and request type from the caller's words (issue 5, DESIGN.md §6 Triage).

A small, transparent text classifier:

- text is normalised (NFKC, so full-width letters and digits become half-width; lower case; every run
  of digits becomes "0", so amounts and dates do not become vocabulary);
- two TF-IDF feature sets side by side: jieba word tokens (unigrams and bigrams, with a few hotline words
  added to jieba's dictionary) and character 1–3-grams. The characters carry what word segmentation misses
  in colloquial speech and typos (公伤 for 工伤, 拖前 for 拖欠, 辞推 for 辞退 still share characters);
- one linear SVM per label (topic, request type), class-balanced, with isotonic calibration so that its
  probabilities can be shown as a confidence (see `_classifier`).

`confidence` is the product of the two predicted probabilities: the model's estimate that *both*
suggestions are right (the operator overrides either). `Suggestion` also carries each part separately.

Model life cycle (issue 18): the model file is built with the installation, never inside a web worker.
`gonghui migrate` builds `<VAR_DIR>/triage/model.joblib` (or `settings.GONGHUI_TRIAGE_MODEL`) from the
bundled CSVs when it is missing or was written by another format, scikit-learn version or data
(`ensure_model_file`, a post_migrate receiver: `make run`, `make test`, CI and a deployment all migrate);
`gonghui train-triage` rebuilds it on demand. The web process loads it at start (`preload()` from
`gonghui/wsgi.py`, in a background thread, also warming jieba), so that 建议分类 answers in milliseconds.
`get_model()` caches it per process; only when no usable file exists does it still train from the bundled
data (a few seconds, logged as a warning). No pickled model is committed to the repository: a pickle is
tied to the scikit-learn version that wrote it, while the labelled CSVs are the portable source. The model
file lives in the application's own var directory, which is trusted like the code (joblib files are pickles:
never load one from elsewhere).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

# DOMAIN.md §7, in its order. Code, CSV files and output use these Chinese names exactly.
TOPICS = (
    "欠薪/工资",
    "劳动合同",
    "社会保险",
    "工伤",
    "工时休假",
    "劳动安全卫生",
    "女职工权益",
    "解除劳动关系",
    "劳动争议/仲裁",
    "困难帮扶",
    "入会/会籍",
    "心理援助",
    "其他",
)
REQUEST_TYPES = ("问题咨询", "服务帮扶", "信访投诉", "法律援助", "意见建议")
# The stored values of appeals.states.Topic / RequestType, in the same order (a test keeps them in step).
TOPIC_CODES = dict(
    zip(
        TOPICS,
        ("wages", "contract", "social_insurance", "injury", "hours", "safety", "women", "dismissal", "dispute",
         "hardship", "membership", "psychological", "other"),
        strict=True,
    )
)  # fmt: skip
REQUEST_TYPE_CODES = dict(
    zip(REQUEST_TYPES, ("consultation", "help", "complaint", "legal_aid", "suggestion"), strict=True)
)

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_CSV = DATA_DIR / "triage_train.csv"
TEST_CSV = DATA_DIR / "triage_test.csv"
COLUMNS = ("text", "topic", "request_type")
FORMAT = 1  # bump when the pipeline changes so that older model files are retrained, not loaded
RANDOM_STATE = 0
MAX_TEXT = 5000  # characters looked at; a transcript longer than this adds nothing for triage

# Words jieba's default dictionary splits badly; they keep hotline vocabulary whole.
USER_WORDS = (
    "工钱", "工资条", "欠薪", "讨薪", "包工头", "跑路", "克扣", "押金", "绩效", "提成", "底薪", "最低工资",
    "劳动合同", "双倍工资", "试用期", "劳务派遣", "竞业限制", "违约金", "社保", "五险一金", "公积金",
    "医保", "养老保险", "失业金", "断缴", "补缴", "工伤", "工伤认定", "伤残鉴定", "职业病", "尘肺",
    "加班费", "调休", "年假", "996", "单休", "大小周", "产假", "哺乳期", "孕检", "性骚扰", "辞退", "开除",
    "经济补偿", "赔偿金", "离职证明", "劳动仲裁", "仲裁委", "劳动监察", "强制执行", "困难职工", "送温暖",
    "助学金", "大病", "入会", "会员卡", "会费", "转会", "心理咨询", "想不开", "外卖", "骑手", "快递员",
    "网约车", "滴滴", "美团", "饿了么", "工地", "农民工", "12351",
)  # fmt: skip

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


class TriageError(ValueError):
    """Bad input for triage or training (empty text, missing column, unknown label); the message says which."""


@dataclass(frozen=True)
class Suggestion:
    topic: str
    request_type: str
    confidence: float
    topic_confidence: float = field(default=0.0, compare=False)
    request_type_confidence: float = field(default=0.0, compare=False)

    def as_dict(self) -> dict:
        """The DESIGN.md §6 shape: {"topic", "request_type", "confidence"}."""
        return {"topic": self.topic, "request_type": self.request_type, "confidence": self.confidence}

    @property
    def topic_code(self) -> str:
        """The value to store in `Appeal.topic` / `suggested_topic` ("wages" for 欠薪/工资)."""
        return TOPIC_CODES[self.topic]

    @property
    def request_type_code(self) -> str:
        return REQUEST_TYPE_CODES[self.request_type]


# ----------------------------------------------------------------------------------------------- text


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))[:MAX_TEXT].lower()
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


_tokenizer = None
_tokenizer_lock = threading.Lock()


def _jieba():
    """A private jieba tokenizer (the global one is left alone for other code), built once per process."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in USER_WORDS:
                    tokenizer.add_word(word, freq=20000)
                _tokenizer = tokenizer
    return _tokenizer


def words(text: str) -> list[str]:
    """jieba tokens of normalised text without punctuation and spaces, plus adjacent-word bigrams.

    A module-level function (not a lambda) so that the fitted vectoriser can be saved with joblib.
    """
    tokens = [t for t in _jieba().lcut(text, HMM=True) if any(ch.isalnum() for ch in t)]
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


# ---------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Example:
    text: str
    topic: str
    request_type: str


def read_rows(path: Path | str) -> tuple[list[str], list[dict]]:
    """A CSV's header and rows, read as UTF-8 (BOM allowed) or, failing that, GB18030 (a superset of GBK)."""
    path = Path(path)
    if not path.is_file():
        raise TriageError(f"{path}: no such file")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise TriageError(f"{path}: not UTF-8 or GBK text")
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    if "text" not in header:
        raise TriageError(f"{path}: no 'text' column (columns: {', '.join(header) or 'none'})")
    return header, list(reader)


def read_examples(path: Path | str) -> list[Example]:
    """A labelled CSV (text, topic, request_type) checked row by row; errors name the line."""
    header, rows = read_rows(path)
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise TriageError(f"{path}: missing column(s) {', '.join(missing)}")
    examples, errors = [], []
    for line, row in enumerate(rows, start=2):
        text, topic, kind = ((row.get(name) or "").strip() for name in COLUMNS)
        if not text:
            errors.append(f"line {line}: empty text")
        elif topic not in TOPICS:
            errors.append(f"line {line}: unknown topic {topic!r}")
        elif kind not in REQUEST_TYPES:
            errors.append(f"line {line}: unknown request type {kind!r}")
        else:
            examples.append(Example(text, topic, kind))
    if errors:
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise TriageError(f"{path}: " + "; ".join(errors[:5]) + more)
    if not examples:
        raise TriageError(f"{path}: no rows")
    return examples


def data_digest(paths: Iterable[Path | str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------------------------- model


def _sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=1)),
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)),
        ]
    )


def _classifier(labels: Sequence[str], what: str):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    # A linear SVM whose scores are turned into probabilities by isotonic calibration on 5 internal folds.
    # Chosen by 5-fold cross-validation on the training file only (the test split was not looked at): as
    # accurate as logistic regression (C 1–100) and far better calibrated (expected calibration error of the
    # topic probability 0.06 against 0.15–0.50), so that the confidence shown to operators means something.
    # Calibration needs each label in every internal fold: fewer folds for a small file, refused below two rows.
    counts = Counter(labels)
    rarest = min(counts, key=lambda label: (counts[label], label))
    if counts[rarest] < 2:
        raise TriageError(f"{what} {rarest!r} has only one training row; each one in the data needs at least 2")
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=RANDOM_STATE)
    return CalibratedClassifierCV(svm, cv=min(5, counts[rarest]), method="isotonic")


class TriageModel:
    """The fitted features and the two classifiers, with what they were trained from."""

    def __init__(self, features, topic_clf, request_clf, meta: dict):
        self.features = features
        self.topic_clf = topic_clf
        self.request_clf = request_clf
        self.meta = meta

    @classmethod
    def fit(cls, examples: Sequence[Example], meta: dict | None = None) -> TriageModel:
        if not examples:
            raise TriageError("no training rows")
        from threadpoolctl import threadpool_limits

        texts = [normalise(e.text) for e in examples]
        # One BLAS thread: faster than several on a shared 2-core machine, and the same figures on every run.
        topics, kinds = [e.topic for e in examples], [e.request_type for e in examples]
        topic_clf, request_clf = _classifier(topics, "topic"), _classifier(kinds, "request type")
        with threadpool_limits(limits=1):
            features = _features()
            try:
                matrix = features.fit_transform(texts)
            except ValueError as error:  # e.g. no character n-gram occurs twice in a tiny file
                raise TriageError(f"too little training text: {error}") from None
            topic_clf.fit(matrix, topics)
            request_clf.fit(matrix, kinds)
        info = {"format": FORMAT, "sklearn": _sklearn_version(), "rows": len(examples), **(meta or {})}
        return cls(features, topic_clf, request_clf, info)

    def suggest_many(self, texts: Sequence[str]) -> list[Suggestion]:
        cleaned = [normalise(t) if isinstance(t, str) else "" for t in texts]
        for position, text in enumerate(cleaned, start=1):
            if not text:
                raise TriageError(f"text {position} is empty" if len(cleaned) > 1 else "the text is empty")
        if not cleaned:
            return []
        matrix = self.features.transform(cleaned)
        topic_p = self.topic_clf.predict_proba(matrix)
        request_p = self.request_clf.predict_proba(matrix)
        out = []
        for tp, rp in zip(topic_p, request_p, strict=True):
            ti, ri = int(tp.argmax()), int(rp.argmax())
            t_conf, r_conf = float(tp[ti]), float(rp[ri])
            out.append(
                Suggestion(
                    topic=str(self.topic_clf.classes_[ti]),
                    request_type=str(self.request_clf.classes_[ri]),
                    confidence=round(t_conf * r_conf, 4),
                    topic_confidence=round(t_conf, 4),
                    request_type_confidence=round(r_conf, 4),
                )
            )
        return out

    def suggest(self, text: str) -> Suggestion:
        return self.suggest_many([text])[0]

    def predict(self, texts: Sequence[str]) -> tuple[list[str], list[str]]:
        suggestions = self.suggest_many(texts)
        return [s.topic for s in suggestions], [s.request_type for s in suggestions]

    # -- files

    def save(self, path: Path | str) -> Path:
        import os

        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A per-process temporary name: two test workers migrating at once may both build the file.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        joblib.dump(self, tmp, compress=3)
        tmp.replace(path)
        stamp = _stamp_path(path)
        stamp_tmp = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
        stamp_tmp.write_text(json.dumps(_stamp_of(self.meta), sort_keys=True), encoding="utf-8")
        stamp_tmp.replace(stamp)
        return path

    @classmethod
    def load(cls, path: Path | str) -> TriageModel | None:
        """The model in `path`, or None (with a log line) when it is missing, unreadable or from another version."""
        import joblib

        path = Path(path)
        if not path.is_file():
            return None
        try:
            model = joblib.load(path)
        except Exception as error:  # a broken or foreign file is retrained, never fatal
            logger.warning(
                "triage model %s unreadable (%s); training from the bundled data", path, type(error).__name__
            )
            return None
        meta = getattr(model, "meta", {}) if isinstance(model, cls) else {}
        if meta.get("format") != FORMAT or meta.get("sklearn") != _sklearn_version():
            logger.warning("triage model %s is from another version (%s); training from the bundled data", path, meta)
            return None
        return model


def evaluate(model: TriageModel, examples: Sequence[Example], detail: bool = False) -> dict:
    """Accuracy and macro-F1 of both labels on `examples` (the held-out split), rounded to 4 places.

    With `detail`, also the F1 of each topic and request type ("f1_by_label"), to see which are weak.
    """
    topics, kinds = model.predict([e.text for e in examples])
    return score(examples, topics, kinds, detail=detail)


def score(examples: Sequence[Example], topics: Sequence[str], kinds: Sequence[str], detail: bool = False) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    true_topics, true_kinds = [e.topic for e in examples], [e.request_type for e in examples]
    both = sum(t == tt and k == tk for t, tt, k, tk in zip(topics, true_topics, kinds, true_kinds, strict=True))
    result = {
        "topic": {
            "accuracy": round(float(accuracy_score(true_topics, topics)), 4),
            "macro_f1": round(float(f1_score(true_topics, topics, average="macro", zero_division=0)), 4),
        },
        "request_type": {
            "accuracy": round(float(accuracy_score(true_kinds, kinds)), 4),
            "macro_f1": round(float(f1_score(true_kinds, kinds, average="macro", zero_division=0)), 4),
        },
        "both_accuracy": round(both / len(examples), 4),
    }
    if detail:
        for key, labels, truth, predicted in (
            ("topic", TOPICS, true_topics, topics),
            ("request_type", REQUEST_TYPES, true_kinds, kinds),
        ):
            f1s = f1_score(truth, predicted, labels=list(labels), average=None, zero_division=0)
            result[key]["f1_by_label"] = {label: round(float(f), 4) for label, f in zip(labels, f1s, strict=True)}
    return result


def cross_validate(examples: Sequence[Example], folds: int = 5) -> dict:
    """Scores of `folds`-fold cross-validation on the training rows (stratified by topic, fixed shuffle).

    A second, more pessimistic estimate beside the held-out split: every row is predicted by a model
    that never saw it, and no test file is involved.
    """
    from sklearn.model_selection import StratifiedKFold

    if folds < 2:
        raise TriageError("--cv needs at least 2 folds")
    topics, kinds = [""] * len(examples), [""] * len(examples)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    try:
        splits = list(splitter.split(examples, [e.topic for e in examples]))
    except ValueError as error:  # more folds than rows of every topic
        raise TriageError(f"--cv {folds}: {error}") from None
    for train_idx, test_idx in splits:
        model = TriageModel.fit([examples[i] for i in train_idx])
        fold_topics, fold_kinds = model.predict([examples[i].text for i in test_idx])
        for i, topic, kind in zip(test_idx, fold_topics, fold_kinds, strict=True):
            topics[i], kinds[i] = topic, kind
    return {"folds": folds, **score(examples, topics, kinds)}


def train(data: Sequence[Path | str] = (TRAIN_CSV,), extra: Sequence[Example] = ()) -> TriageModel:
    """Fit a model on one or more labelled CSVs plus `extra` rows (e.g. operators' overrides)."""
    examples = [example for path in data for example in read_examples(path)] + list(extra)
    meta = {"data": [Path(p).name for p in data], "digest": data_digest(data), "extra_rows": len(extra)}
    return TriageModel.fit(examples, meta=meta)


def override_examples() -> list[Example]:
    """Tickets whose operator changed the suggested topic or request type, as training rows.

    Only corrections are used, not suggestions the operator accepted: accepted ones would feed the model its
    own answers back. Read from the database by `gonghui train-triage --overrides`; the texts never leave it.
    """
    from gonghui.appeals.models import Appeal

    topics = {code: name for name, code in TOPIC_CODES.items()}
    kinds = {code: name for name, code in REQUEST_TYPE_CODES.items()}
    rows = (
        Appeal.objects.exclude(suggested_topic="")
        .exclude(suggested_request_type="")
        .values_list("text", "topic", "request_type", "suggested_topic", "suggested_request_type")
        .order_by("pk")
    )
    return [
        Example(text.strip(), topics[topic], kinds[kind])
        for text, topic, kind, suggested_topic, suggested_kind in rows.iterator()
        if (topic, kind) != (suggested_topic, suggested_kind) and text.strip() and topic in topics and kind in kinds
    ]


# ------------------------------------------------------------------------------------ per-process cache


def default_model_path() -> Path:
    from django.conf import settings

    configured = getattr(settings, "GONGHUI_TRIAGE_MODEL", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "triage" / "model.joblib"


_model: TriageModel | None = None
_model_lock = threading.Lock()


def get_model() -> TriageModel:
    """The process's model: the trained file when usable, else trained from the bundled data (once)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                model = TriageModel.load(default_model_path())
                if model is None:
                    logger.warning("no current triage model file: training in this process (run `gonghui migrate`)")
                    model = train()
                _model = model
    return _model


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _stamp_of(meta: dict) -> dict:
    """What decides whether a model file is current: pipeline format, scikit-learn version, data digest."""
    return {"format": meta.get("format"), "sklearn": meta.get("sklearn"), "digest": meta.get("digest")}


def _current_stamp() -> dict:
    return {"format": FORMAT, "sklearn": _sklearn_version(), "digest": data_digest([TRAIN_CSV])}


def model_file_is_current(path: Path | str | None = None) -> bool:
    """Was the model file built by this code from the bundled data? Read from its small JSON stamp, so that
    checking costs no model load."""
    stamp = _stamp_path(Path(path) if path else default_model_path())
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == _current_stamp()
    except (OSError, ValueError):
        return False


def ensure_model_file(path: Path | str | None = None) -> bool:
    """Build the model file from the bundled data unless a current one exists; True when it was built.

    Run after every `migrate` (see apps.py): a fresh clone's `make run`, `make test`, CI and a deployment's
    migrate all end with a model file, so no web worker ever trains.
    """
    path = Path(path) if path else default_model_path()
    if model_file_is_current(path):
        return False
    train().save(path)
    reset_model()
    return True


def preload(background: bool = True) -> threading.Thread | None:
    """Load the model file into this process and warm jieba, without training (the web process calls it at
    start). A missing or stale file is left alone with a warning: `gonghui migrate` builds it."""

    def load():
        global _model
        with _model_lock:
            if _model is not None:
                return
            model = TriageModel.load(default_model_path())
            if model is None:
                logger.warning("no current triage model file at %s: run `gonghui migrate`", default_model_path())
                return
            model.suggest("预热")  # initialises jieba and the vectorisers' first call
            _model = model

    if not background:
        load()
        return None
    thread = threading.Thread(target=load, name="triage-preload", daemon=True)
    thread.start()
    return thread


def reset_model() -> None:
    """Forget the cached model (after `train-triage` wrote a new file, and in tests)."""
    global _model
    with _model_lock:
        _model = None


def suggest(text: str) -> Suggestion:
    """The suggestion for one appeal text, for the operator's intake form. Raises TriageError on empty text."""
    return get_model().suggest(text)


def suggest_many(texts: Sequence[str]) -> list[Suggestion]:
    return get_model().suggest_many(texts)
