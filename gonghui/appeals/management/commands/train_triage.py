"""gonghui train-triage [--data CSV ...] [--overrides] [--test CSV] [--out PATH] [--detail] [--cv K] (issue 5).

Trains the topic and request-type classifier from labelled CSVs (columns text, topic, request_type;
by default the bundled `gonghui/appeals/data/triage_train.csv`), scores it on the held-out split
(`triage_test.csv` unless --test names another file), saves it (default `<VAR_DIR>/triage/model.joblib`,
where `gonghui triage` and the intake form find it) and prints one JSON object:

    {"train_rows": N, "test_rows": N, "topic": {"accuracy": x, "macro_f1": x},
     "request_type": {"accuracy": x, "macro_f1": x}, "both_accuracy": x, "model": "PATH"}

--overrides adds the tickets whose operator corrected the suggestion ("override_rows" says how many);
--detail adds each label's F1 ("f1_by_label"); --cv K adds K-fold cross-validation on the training rows
("cv"), a second estimate that involves no test file. Training is deterministic (fixed random_state,
single-threaded BLAS): the same files give the same figures.
Exit 2 on a usage or file error (missing file, missing column, unknown label).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gonghui.appeals import triage


class Command(BaseCommand):
    help = "Train the appeal triage classifier and print its accuracy and macro-F1 on the held-out split."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            action="append",
            help="labelled training CSV (text, topic, request_type); repeat to add files, e.g. exported overrides; "
            "default: the bundled training set",
        )
        parser.add_argument("--test", help="labelled held-out CSV to score on; default: the bundled test split")
        parser.add_argument("--out", help="where to save the model; default: <VAR_DIR>/triage/model.joblib")
        parser.add_argument(
            "--overrides",
            action="store_true",
            help="also train on the tickets whose operator corrected the suggestion (read from the database)",
        )
        parser.add_argument("--detail", action="store_true", help="add the F1 of every topic and request type")
        parser.add_argument(
            "--cv", type=int, metavar="K", help='also K-fold cross-validation on the training rows (key "cv")'
        )

    def handle(self, *args, data=None, test=None, out=None, detail=False, cv=None, overrides=False, **options):
        data_paths = [Path(p) for p in (data or [triage.TRAIN_CSV])]
        test_path = Path(test) if test else triage.TEST_CSV
        out_path = Path(out) if out else triage.default_model_path()
        try:
            held_out = triage.read_examples(test_path)
            extra = triage.override_examples() if overrides else []
            examples = [example for path in data_paths for example in triage.read_examples(path)] + extra
            crossed = triage.cross_validate(examples, cv) if cv is not None else None
            model = triage.train(data_paths, extra=extra)
        except triage.TriageError as error:
            raise CommandError(str(error), returncode=2) from None
        held_out_texts = {e.text.strip() for e in held_out}
        leaked = sum(1 for e in examples if e.text.strip() in held_out_texts)
        scores = triage.evaluate(model, held_out, detail=detail)
        try:
            model.save(out_path)
        except OSError as error:
            raise CommandError(f"{out_path}: cannot write the model ({error.strerror})", returncode=2) from None
        triage.reset_model()
        if leaked:
            self.stderr.write(f"warning: {leaked} held-out text(s) also appear in the training data")
        result = {"train_rows": model.meta["rows"], "test_rows": len(held_out), **scores, "model": str(out_path)}
        if overrides:
            result["override_rows"] = len(extra)
        if crossed is not None:
            result["cv"] = crossed
        self.stdout.write(json.dumps(result, ensure_ascii=False))
