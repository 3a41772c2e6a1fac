"""docs/ is the project's own description of its format and labels: kept in step with the code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from msp_cli import model, vocab
from msp_cli.labels import BY_NAME, LISTS
from msp_cli.record.fields import FIELDS, GROUPS, keys_of
from tests.conftest import Run
from tests.helpers import full_case

DOCS = Path(__file__).resolve().parent.parent / "docs"


def sections(text: str, level: str) -> dict[str, str]:
    """Heading -> body, for the headings of one level (## or ###)."""
    parts = re.split(rf"^{level} (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_vocabularies_doc_lists_every_label_of_the_code() -> None:
    bodies = sections((DOCS / "vocabularies.md").read_text(encoding="utf-8"), "##")
    documented = {name: tuple(re.findall(r"^- `(.+)`$", body, flags=re.MULTILINE)) for name, body in bodies.items()}
    assert documented == {lst.name: lst.labels for lst in LISTS}
    for lst in LISTS:  # and the fields that take each list, as the field table has them
        assert "Fields: " + ", ".join(f"`{f}`" for f in lst.fields) + "." in bodies[lst.name], lst.name
    # every list of vocab.py is named, and every field that takes labels takes a named list
    tuples = {name: value for name, value in vars(vocab).items() if name.isupper() and isinstance(value, tuple)}
    named = {lst.labels for lst in LISTS}
    assert [name for name, value in tuples.items() if value not in named] == []
    assert [f.path for f in FIELDS if f.labels and f.labels not in named] == []


def test_interchange_doc_has_every_field_of_the_model_in_order() -> None:
    text = (DOCS / "interchange.md").read_text(encoding="utf-8")
    fields = sections(text, "###")
    assert list(fields) == list(GROUPS)
    for group in GROUPS:
        assert tuple(re.findall(r"^\| `(\w+)` \|", fields[group], flags=re.MULTILINE)) == keys_of(group), group
    lists = set(re.findall(r"list ([a-z-]+)", text))
    assert lists <= set(BY_NAME), lists - set(BY_NAME)
    assert len(lists) >= 20  # the tables name the lists, not just the example


def test_interchange_doc_example_is_a_valid_case_written_as_msp_writes_it() -> None:
    text = (DOCS / "interchange.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.+?)\n```", text, flags=re.DOTALL).group(1))  # type: ignore[union-attr]
    checked = model.validate_case(example)
    assert checked == example
    assert list(checked) == list(keys_of("case"))  # every field of the format, version 2 too


def test_labels_lists_the_eleven_sac_risk_types(run: Run) -> None:
    result = run("labels", "risk-type")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == list(vocab.RISK_TYPE)
    assert len(vocab.RISK_TYPE) == 11 and "Self-Neglect" in result.stdout
    as_json = json.loads(run("labels", "risk-type", "--json").stdout)
    assert as_json["labels"] == list(vocab.RISK_TYPE) and as_json["fields"] == ["risk_types"]


def test_labels_without_a_list_names_every_list(run: Run) -> None:
    result = run("labels")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == [lst.name for lst in LISTS]
    everything = json.loads(run("labels", "--json").stdout)
    assert everything["meeting-kind"] == list(vocab.MEETING_KIND)


def test_labels_of_an_unknown_list_suggest_the_nearest(run: Run) -> None:
    result = run("labels", "risk-typ")
    assert result.exit_code == 2
    assert "Did you mean risk-type?" in result.output and "Traceback" not in result.output


def test_a_bad_label_points_to_msp_labels(run: Run, initialised: Path, write_jsonl: Callable[..., Path]) -> None:
    case = full_case(risk_types=["Not a risk"])
    result = run("import", str(write_jsonl([case])))
    assert result.exit_code == 65
    assert "(the 11 labels: msp labels risk-type)" in result.output
    listed = run("labels", "risk-type").stdout.splitlines()
    assert "Not a risk" not in listed and len(listed) == 11


def test_nothing_points_to_files_users_do_not_have() -> None:
    source = Path(__file__).resolve().parent.parent / "msp_cli"
    mentions = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if re.search(r"VOCABULARY\.md|INTERCHANGE\.md", path.read_text(encoding="utf-8"))
    ]
    assert mentions == []
    assert (DOCS / "interchange.md").exists() and (DOCS / "vocabularies.md").exists()


def test_one_distribution_name_everywhere() -> None:
    import pytest

    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    from msp_cli.hints import DISTRIBUTION

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "msp-safeguarding"  # "msp" on the index is another project
    assert project["scripts"] == {"msp": "msp_cli.entry:main"}  # the command stays msp
    assert any(d.startswith("xlsxwriter") for d in project["dependencies"])  # Excel in every install
    texts = [root / "README.md", *(root / "msp_cli").rglob("*.py")]
    assert [str(p) for p in texts if re.search(r"msp\[|pip install msp\b|pipx install msp\b", p.read_text())] == []
