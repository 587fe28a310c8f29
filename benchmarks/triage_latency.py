"""建议分类 latency with the shipped model (issue 18 point 6: < 300 ms) and the API docs' schema.

    .venv/bin/python -m benchmarks.triage_latency [--no-write]

Measured in one process, as the web process runs: load the model file that `gonghui migrate` built
(`triage.preload(background=False)`, which also warms jieba), then `triage.suggest()` on every text
of the held-out split (221 calls, each timed), then the workbench's 建议分类 request through Django's
test client (the whole view: form, suggestion, page render; 20 requests on the SQLite development
database, which must be migrated, with the demo's `hotline` user, which must exist: `gonghui demo`).
Also the OpenAPI schema behind /api/v1/docs: the first build and a cached request. Writes the
"triage_latency" section of docs/benchmarks.md unless --no-write.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django

    django.setup()
    from django.test import Client

    from gonghui.accounts.models import User
    from gonghui.api import api
    from gonghui.appeals import triage

    if not triage.model_file_is_current():
        raise SystemExit("no current model file: run `gonghui migrate` first")
    started = time.perf_counter()
    triage.preload(background=False)
    load = time.perf_counter() - started

    texts = [e.text for e in triage.read_examples(triage.TEST_CSV)]
    calls = []
    for text in texts:
        started = time.perf_counter()
        triage.suggest(text)
        calls.append(time.perf_counter() - started)

    client = Client()
    client.force_login(User.objects.get(username="hotline"))
    views = []
    for text in texts[:20]:
        data = {"channel": "hotline", "request_type": "consultation", "topic": "other", "text": text, "suggest": "1"}
        started = time.perf_counter()
        response = client.post("/appeals/workbench/", data)
        views.append(time.perf_counter() - started)
        assert response.status_code == 200 and "系统建议" in response.content.decode()

    started = time.perf_counter()
    api.get_openapi_schema()
    schema_first = time.perf_counter() - started
    started = time.perf_counter()
    client.get("/api/v1/openapi.json")
    schema_cached = time.perf_counter() - started

    def summary(values):
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        return f"median {ms(statistics.median(values))}, p95 {ms(p95)}, max {ms(values[-1])}"

    load_avg, python = os.getloadavg()[0], platform.python_version()
    text = f"""## 建议分类 latency and the API docs' schema

- command: `.venv/bin/python -m benchmarks.triage_latency` (after `gonghui migrate` and `gonghui demo`)
- machine: {os.cpu_count()} cores shared with other jobs (1-minute load average {load_avg:.1f}); Python {python}
- model file load at web start (`triage.preload`, joblib + jieba warm-up, in a background thread): {ms(load)}
- `triage.suggest()` on the {len(calls)} held-out texts: {summary(calls)} (target < 300 ms)
- the workbench's 建议分类 request, whole view, {len(views)} requests: {summary(views)}
- OpenAPI schema for /api/v1/docs: first build {ms(schema_first)} (done at web start by `api.warm_schema()`),
  then per request {ms(schema_cached)} (before issue 18 every request rebuilt it: 1.5–7 s)
"""
    print(text)
    if not args.no_write:
        from benchmarks.doc import write_section

        write_section("triage_latency", text)


if __name__ == "__main__":
    main()
