"""Comments and docstrings cite design notes inside the repository (``docs/``), and every cited section exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("src", "tests", "bench", "examples", "scripts", "openapi")
SUFFIXES = {".py", ".yaml", ".sh", ".jinja"}
CITATION = re.compile(r"docs/([a-z-]+\.md)((?: §\d+(?:-\d+)?)(?:, §\d+(?:-\d+)?)*)?")
ITEM = re.compile(r"docs/pyngrok-differences\.md item (\d+)")
# A note cited without the docs/ folder, a path outside the repository, or pyngrok's quirk list by number.
OUTSIDE = re.compile(
    r"(?<!docs/)\b(agent-api|edge-protocol|cloud-api|pyngrok-contract|house-style)\.md|/work/shared|\.\./shared/docs|\b[Qq]uirk \d+"
)


def sources() -> list[Path]:
    return [
        path
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in SUFFIXES and "__pycache__" not in path.parts and path.name != "test_docs_citations.py"
    ]


def sections(doc: Path) -> set[int]:
    return {int(number) for number in re.findall(r"^## (\d+)\.", doc.read_text(encoding="utf-8"), re.MULTILINE)}


def test_citations_point_inside_the_repository() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for path in sources()
        for text in [path.read_text(encoding="utf-8")]
        for match in OUTSIDE.finditer(text)
    ]
    assert outside == [], f"cite docs/<note>.md (write what is needed there) instead of: {outside}"


def test_every_cited_document_and_section_exists() -> None:
    missing: list[str] = []
    for path in sources():
        text = path.read_text(encoding="utf-8")
        for match in CITATION.finditer(text):
            doc = ROOT / "docs" / match.group(1)
            if not doc.is_file():
                missing.append(f"{path.relative_to(ROOT)}: {match.group(0)} (no such document)")
                continue
            for first, last in re.findall(r"§(\d+)(?:-(\d+))?", match.group(2) or ""):
                wanted = set(range(int(first), int(last or first) + 1))
                if not wanted <= sections(doc):
                    missing.append(f"{path.relative_to(ROOT)}: {match.group(0)} (no such section)")
        rows = re.findall(r"^\| (\d+) \|", (ROOT / "docs" / "pyngrok-differences.md").read_text(encoding="utf-8"), re.M)
        for item in ITEM.findall(text):
            if item not in rows:
                missing.append(f"{path.relative_to(ROOT)}: pyngrok difference {item} (no such item)")
    assert missing == []


def test_the_check_sees_citations_of_notes_outside() -> None:
    for outside in ("(agent-api.md section 10)", "its quirk 23", "/work/shared/docs/cloud-api.md", "house-style.md §D"):
        assert OUTSIDE.search(outside), outside
    assert not OUTSIDE.search("(docs/agent-api.md §9) and docs/pyngrok-differences.md item 23")
