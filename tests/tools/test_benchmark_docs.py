"""docs/benchmarks.md: in the repository, linked from the README, its plot present, its workloads
real; no document cites the BENCHMARKS.md that is not in the repository."""
from __future__ import annotations

import re
from pathlib import Path

import benchmarks

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "benchmarks.md"
README = REPO / "README.md"


def relative_links(path: Path) -> list[Path]:
    targets = re.findall(r"\]\(([^)#\s]+)\)", path.read_text())
    return [path.parent / t for t in targets if not re.match(r"[a-z]+:", t)]


def test_the_readme_links_the_benchmark_document_and_every_link_resolves():
    assert DOC in [p.resolve() for p in relative_links(README)]
    for doc in (README, DOC):
        missing = [str(p) for p in relative_links(doc) if not p.exists()]
        assert missing == [], f"{doc.name} links to missing files"


def test_the_document_shows_its_plot():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", DOC.read_text())
    assert images
    for image in images:
        assert (DOC.parent / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_results_table_names_only_real_workloads():
    rows = re.findall(r"^\| (W\d[\w-]*) \| [a-z]+/", DOC.read_text(), flags=re.M)
    assert rows, "no results table"
    assert set(rows) <= {w.id for w in benchmarks.ALL}


def test_no_document_cites_a_file_the_repository_does_not_have():
    for path in (README, DOC, REPO / "tools" / "bench", *REPO.glob("tools/benchmarks/*.py")):
        assert "BENCHMARKS.md" not in path.read_text(), path
