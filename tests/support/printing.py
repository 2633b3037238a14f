"""Workbooks printed as a school would print them: Debian's LibreOffice (headless) turns each into
a PDF with the page setup the file asks for, and poppler's pdfinfo and pdftotext read the pages
back (their size and their text)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SOFFICE = Path("/usr/bin/soffice")
A4_POINTS = (595, 842)  # portrait; a landscape page is the other way round


NEEDS_LIBREOFFICE = pytest.mark.skipif(
    not SOFFICE.exists() and not os.environ.get("CI"),
    reason="Debian's LibreOffice is not installed (.ci/run installs libreoffice-calc-nogui and "
    "poppler-utils)",
)


@dataclass(frozen=True)
class PrintedPage:
    width: int
    height: int
    text: str

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def is_a4(self) -> bool:
        return sorted((self.width, self.height)) == list(A4_POINTS)

    @property
    def words(self) -> str:
        """The text with its layout's spaces taken out (pdftotext spaces Chinese text apart)."""
        return re.sub(r"\s+", "", self.text)


def printed(workbooks: dict[str, bytes], directory: Path) -> dict[str, list[PrintedPage]]:
    """Each workbook (by a file name of its own) as printed pages, all in one LibreOffice run."""
    sources = directory / "xlsx"
    out = directory / "pdf"
    sources.mkdir()
    for name, content in workbooks.items():
        (sources / f"{name}.xlsx").write_bytes(content)
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{directory / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *(str(sources / f"{name}.xlsx") for name in workbooks),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return {name: _pages(out / f"{name}.pdf") for name in workbooks}


def _pages(pdf: Path) -> list[PrintedPage]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(pdf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sizes = [
        (round(float(w)), round(float(h)))
        for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    ]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    texts = text.split("\f")[: len(sizes)]
    return [PrintedPage(w, h, t) for (w, h), t in zip(sizes, texts, strict=True)]
