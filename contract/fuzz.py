"""Schemathesis over the whole OpenAPI document, as an administrator, a parent and nobody.

    uv run python -m contract.fuzz [--seed N] [--max-examples N] [--callers admin,parent,anonymous]

Builds a small demo district on embedded servers in a temporary folder, serves it as a real
process, signs the callers in and runs `st run` once per caller with a fixed seed. The run fails
on any 5xx, any status code or header the document does not declare, any answer that breaks its
declared schema or media type, and on any unhandled error in the server's log. It prints, per
caller, the operations tested, the cases generated and the failures found.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree

import httpx

from tests.support.server import ServerProcess, start_server

ROOT = Path(__file__).resolve().parent.parent
CALLERS = ("admin", "parent", "anonymous")
GENERATED = re.compile(r"(\d+) generated")
# The checks that fail the run: no 5xx, and every status, header, media type and body as the
# document declares it. Not among them: `positive_data_acceptance` and the stateful checks,
# which judge business rules (an id that names nothing is a 404, a grab outside the window a
# 409), and `negative_data_rejection`, which holds lax coercions (`"1"` for an integer) to be
# acceptance of invalid data.
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "missing_required_header",
        "unsupported_method",
    )
)


@dataclass
class CallerResult:
    caller: str
    exit_code: int
    operations: int
    cases: int
    failures: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--callers", default=",".join(CALLERS))
    # One: Python 3.11's `ast` is not safe across threads, and Hypothesis parses the source of
    # its filters while schemathesis's workers draw ("AST constructor recursion depth mismatch").
    parser.add_argument("--workers", default="1")
    parser.add_argument("--report-dir", type=Path, default=None)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    args = parser.parse_args()
    callers = [name.strip() for name in args.callers.split(",") if name.strip()]

    workdir = Path(tempfile.mkdtemp(prefix="kehou-fuzz-"))
    report_dir = args.report_dir or workdir / "reports"
    report_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "KEHOU_DATA_DIR": str(workdir / "data"),
        "KEHOU_ENVIRONMENT": "development",
        "KEHOU_ACCESS_TOKEN_TTL_S": "14400",
        "KEHOU_LOG_LEVEL": "INFO",
        "KEHOU_ACCESS_LOG": "false",
    }
    dingtalk = _fake_dingtalk()
    env["KEHOU_DINGTALK_BASE_URL"] = f"http://127.0.0.1:{dingtalk.server_address[1]}"
    manifest_path = workdir / "demo.json"
    _build_demo(env, manifest_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    server = start_server(env, workdir / "server.log")
    try:
        server.wait_ready()
        results = [_fuzz(server, caller, manifest, args, report_dir) for caller in callers]
    finally:
        server.terminate()
        dingtalk.shutdown()
    unhandled = [line for line in server.log().splitlines() if "unhandled_error" in line]

    print("\ncaller      operations  cases  failing operations  exit")
    for result in results:
        print(
            f"{result.caller:<11} {result.operations:>10} {result.cases:>6} "
            f"{result.failures:>19} {result.exit_code:>5}"
        )
    print(f"unhandled errors in the server's log: {len(unhandled)}")
    for line in unhandled[:10]:
        print("  " + line[:400])
    print(f"reports: {report_dir}")
    failed = any(result.exit_code != 0 for result in results) or bool(unhandled)
    return 1 if failed else 0


class _DingTalkRefusingEveryCode(BaseHTTPRequestHandler):
    """DingTalk's side of sign-in, at the edge: an app token for the asking, and every auth code
    refused as DingTalk refuses an expired one. The fuzzer's codes are never real ones."""

    def do_GET(self) -> None:
        self._answer({"errcode": 0, "access_token": "fuzz-app-token", "expires_in": 7200})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self._answer({"errcode": 40078, "errmsg": "不存在的临时授权码"})

    def _answer(self, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


def _fake_dingtalk() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DingTalkRefusingEveryCode)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _build_demo(env: dict[str, str], manifest_path: Path) -> None:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    full_env.update(env)
    subprocess.run(
        [sys.executable, "-m", "app", "demo", "--students", "120", "--courses", "6",
         "--opens-in", "0", "--manifest", str(manifest_path)],
        env=full_env,
        check=True,
        cwd=ROOT,
    )  # fmt: skip


def _token(server: ServerProcess, login: str) -> str:
    answer = httpx.post(
        f"{server.base_url}/api/v1/auth/dingtalk", json={"auth_code": login}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _fuzz(
    server: ServerProcess,
    caller: str,
    manifest: dict[str, object],
    args: argparse.Namespace,
    report_dir: Path,
) -> CallerResult:
    headers: list[str] = []
    if caller != "anonymous":
        login = _login(manifest, caller)
        headers = ["-H", f"Authorization: Bearer {_token(server, login)}"]
    junit = report_dir / f"{caller}.xml"
    command = [
        str(Path(sys.executable).parent / "st"), "run", f"{server.base_url}/openapi.json",
        "--checks", CHECKS, "--seed", str(args.seed), "--max-examples", str(args.max_examples),
        "--phases", args.phases, "--workers", args.workers, "--no-shrink",
        "--suppress-health-check", "all", "--request-timeout", "30",
        "--report", "junit", "--report-junit-path", str(junit), *headers,
    ]  # fmt: skip
    print(f"\n== {caller}: st run (seed {args.seed}, {args.max_examples} examples per operation)")
    started = time.monotonic()
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert run.stdout is not None
    cases = 0
    for line in run.stdout:
        print(line, end="")
        generated = GENERATED.search(line)
        if generated:
            cases = int(generated.group(1))
    exit_code = run.wait()
    print(f"== {caller}: {time.monotonic() - started:.0f} s, exit {exit_code}")
    operations, failures = _counts(junit)
    return CallerResult(caller, exit_code, operations, cases, failures)


def _login(manifest: dict[str, object], caller: str) -> str:
    if caller == "admin":
        schools = manifest["schools"]
        assert isinstance(schools, list)
        return str(schools[0]["admin"])
    parents = manifest["parents"]
    assert isinstance(parents, list)
    return str(parents[0]["login"])


def _counts(junit: Path) -> tuple[int, int]:
    """Operations tested and operations failing, from the JUnit report."""
    if not junit.exists():
        return 0, 0
    suites = ElementTree.parse(junit).getroot()
    operations = failures = 0
    for case in suites.iter("testcase"):
        operations += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failures += 1
    return operations, failures


if __name__ == "__main__":
    sys.exit(main())
