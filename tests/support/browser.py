"""Debian's Chromium for the tests that drive a real browser: where it is, the marks every such
test carries, and the switches it is launched with here (no sandbox as root, no GPU, nothing
fetched from the internet)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_marks(timeout_s: int) -> list[pytest.MarkDecorator]:
    return [
        pytest.mark.browser,
        pytest.mark.timeout(timeout_s),
        pytest.mark.skipif(
            not CHROMIUM.exists() and not os.environ.get("CI"),
            reason="Debian's chromium is not installed (.ci/run installs it)",
        ),
    ]
