"""A broken catalog - built-in format, a workspace's own file - is reported located, with exit code 2."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers import Cli

from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.load import load
from isoctl.errors import CatalogError

VALID = textwrap.dedent(
    """\
    id: acme-2024
    family: acme
    title: "ACME supplier code of practice"
    edition: 2024
    status: current
    exclusions: "Every clause applies to every supplier."
    clauses:
      - id: "1"
        title: "Scope"
        parent: null
        summary: "Says which suppliers and services the code covers."
        documented_information: none
        applicability: required
        expects: []
        expects_note: "Heading only; evidence is judged on its sub-clauses."
      - id: "1.1"
        title: "Supplier register"
        parent: "1"
        hs: "8.1"
        summary: "Keep a list of approved suppliers with their last evaluation."
        documented_information: retain
        applicability: required
        expects:
          - {kind: document, where: {type: policy}}
          - {kind: supplier, has: evaluated_on, within: document_review_days}
    """
)


def workspace(tmp_path: Path, catalog: str, name: str = "acme-2024.yaml") -> Path:
    (tmp_path / "isoctl.yaml").write_text("isoctl: 1\ncatalogs: [local/]\n", encoding="utf-8")
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / name).write_text(catalog, encoding="utf-8")
    return tmp_path


def test_a_valid_workspace_catalog_loads_beside_the_builtins(tmp_path: Path, cli: Cli) -> None:
    root = workspace(tmp_path, VALID)
    result = cli("standards", "list", "--format", "json", cwd=root)
    assert result.exit_code == 0, result.stderr
    assert '"id": "acme-2024"' in result.stdout and '"source": "local/acme-2024.yaml"' in result.stdout
    shown = cli("standards", "show", "acme:1.1", cwd=root / "local")  # found by walking up
    assert shown.exit_code == 0
    assert "Supplier register" in shown.stdout and "supplier (has evaluated_on, within document_review_days)" in shown.stdout


BROKEN = [
    # (replace this, with this, expected location, expected message fragment)
    ('hs: "8.1"', 'hs: "8.9"', "19:9", "hs '8.9' is not a clause of the harmonized structure"),
    ('parent: "1"', 'parent: "2"', "18:13", "parent '2' of clause 1.1 does not exist"),
    ('id: "1.1"', 'id: "1"', "16:9", "duplicate clause id '1'"),
    ("kind: supplier,", "kind: vendor,", "25:16", "unknown record kind 'vendor'"),
    ("{type: policy}", "{type: poilcy}", "24:40", "document.type is never 'poilcy'"),
    ("{type: policy}", "{colour: blue}", "24:34", "kind 'document' has no field 'colour'"),
    ("has: evaluated_on", "has: evaluated", "25:31", "kind 'supplier' has no field 'evaluated'"),
    ("within: document_review_days", "within: weekly", "25:53", "clauses[1].expects[1].within: expected one of document_review_days"),
    ("documented_information: retain", "documented_information: keep", "21:29", "clauses[1].documented_information: expected one of none, maintain, retain, both"),
    ("edition: 2024", "edition: twenty", "4:10", "edition: expected a whole number; got 'twenty'"),
    ("status: current", "status: current\nstauts: draft", "6:1", "unknown field 'stauts'; did you mean 'status'?"),
    ('title: "Scope"', "title: Scope\n    title: Scope again", "10:5", "duplicate key 'title'"),
    ("    expects:\n      - {kind: document", "    expectz:\n      - {kind: document", "23:5", "unknown field 'expectz'; did you mean 'expects'?"),
    ('summary: "Says', 'summary: [ "Says', "12:5", "invalid YAML: while parsing a flow sequence"),
    # a clause with sub-clauses is judged by them alone: expectations of its own would never be read
    ("    expects: []\n    expects_note: \"Heading only; evidence is judged on its sub-clauses.\"",
     "    expects:\n      - {kind: document, where: {type: manual}}", "14:5",
     "clause 1 has sub-clauses, and gap analysis judges it by them alone"),
    # where compares one value: on a list it would silently never match
    ("{type: policy}", "{tags: policy}", "24:34", "document.tags holds several values and where compares one"),
]


@pytest.mark.parametrize(("old", "new", "where", "message"), BROKEN)
def test_broken_workspace_catalog_is_located(tmp_path: Path, cli: Cli, old: str, new: str, where: str, message: str) -> None:
    assert old in VALID
    root = workspace(tmp_path, VALID.replace(old, new, 1))
    result = cli("standards", "list", cwd=root)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert f"local/acme-2024.yaml:{where}: " in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = VALID.replace('hs: "8.1"', 'hs: "8.9"').replace("kind: supplier,", "kind: vendor,")
    root = workspace(tmp_path, text)
    with pytest.raises(CatalogError) as caught:
        load([root / "local"], base=root)
    assert [str(p.location) for p in caught.value.problems] == ["local/acme-2024.yaml:19:9", "local/acme-2024.yaml:25:16"]


def test_an_edition_defined_twice_is_refused(tmp_path: Path, cli: Cli) -> None:
    text = VALID.replace("id: acme-2024\nfamily: acme", "id: iso9001-2015\nfamily: iso9001").replace("2024", "2015")
    result = cli("standards", "list", cwd=workspace(tmp_path, text))
    assert result.exit_code == 2
    assert "edition 'iso9001-2015' is already defined in standards/iso9001-2015.yaml" in result.stderr


def test_transition_rows_must_name_real_clauses(tmp_path: Path, cli: Cli) -> None:
    root = workspace(tmp_path, VALID)
    (root / "local" / "transitions").mkdir()
    (root / "local" / "transitions" / "acme.yaml").write_text(
        "from: acme-2024\nto: acme-2024\nrows:\n"
        '  - {from: ["1"], to: ["1"], change: same}\n'
        '  - {from: ["1.1"], to: ["1.7"], change: renumbered}\n',
        encoding="utf-8",
    )
    result = cli("standards", "list", cwd=root)
    assert result.exit_code == 2
    assert "local/transitions/acme.yaml:5:26: clause '1.7' is not in acme-2024" in result.stderr
    assert "1 clause(s) of acme-2024 appear in no row: 1.1" in result.stderr


def test_a_heading_needs_no_transition_row_when_its_sub_clauses_have_one(tmp_path: Path, cli: Cli) -> None:
    def table(where: Path, row: str) -> Path:
        root = workspace(where, VALID)
        (root / "local" / "transitions").mkdir()
        (root / "local" / "transitions" / "acme.yaml").write_text(f"from: acme-2024\nto: acme-2024\nrows:\n  - {row}\n",
                                                                  encoding="utf-8")
        return root

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    only_the_paragraph = table(tmp_path / "a", '{from: ["1.1"], to: ["1.1"], change: same}')
    assert cli("standards", "list", cwd=only_the_paragraph).exit_code == 0  # heading 1 goes where 1.1 goes
    only_the_heading = table(tmp_path / "b", '{from: ["1"], to: ["1"], change: same}')
    result = cli("standards", "list", cwd=only_the_heading)
    assert result.exit_code == 2
    assert "1 clause(s) of acme-2024 appear in no row: 1.1" in result.stderr  # a heading does not place its sub-clauses


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01binary\x00", "binary file"),
        ("id: acme\ntitle: caf\xe9\n".encode("latin-1"), "local/acme-2024.yaml:2:11: not valid UTF-8"),
        (b"- just\n- a list\n", "expected a mapping"),
        (b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
         "alias bomb"),
    ],
)
def test_hostile_catalog_files(tmp_path: Path, cli: Cli, content: bytes, message: str) -> None:
    root = workspace(tmp_path, "")
    (root / "local" / "acme-2024.yaml").write_bytes(content)
    result = cli("standards", "list", cwd=root)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_directory_outside_the_workspace_is_refused(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "isoctl.yaml").write_text("isoctl: 1\ncatalogs:\n  - ../elsewhere/\n", encoding="utf-8")
    result = cli("standards", "list", cwd=tmp_path / "ws")
    assert result.exit_code == 2
    assert "isoctl.yaml:3:5: catalogs: '../elsewhere/' is outside the workspace" in result.stderr


def test_missing_catalog_directory_is_reported(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "isoctl.yaml").write_text("isoctl: 1\ncatalogs: [nowhere/]\n", encoding="utf-8")
    result = cli("standards", "list", cwd=tmp_path)
    assert result.exit_code == 2
    assert "  nowhere: catalog directory not found" in result.stderr


def test_unparseable_manifest_is_reported(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "isoctl.yaml").write_text("isoctl: 1\ncatalogs: [local/\n", encoding="utf-8")
    result = cli("standards", "list", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: isoctl.yaml:3:1: invalid YAML")


def test_cached_catalogs_are_reused_and_a_corrupt_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path, VALID)
    first = load([root / "local"], base=root)
    (entry,) = (tmp_path / "cache" / "catalogs").glob("*.json")
    assert load([root / "local"], base=root).editions == first.editions
    entry.write_text('{"editions": [{"data": {"id": "broken"', encoding="utf-8")
    assert load([root / "local"], base=root).editions == first.editions
    entry.write_text(entry.read_text(encoding="utf-8").replace('"acme-2024"', '"acme-2025"'), encoding="utf-8")
    assert load([root / "local"], base=root).editions == first.editions  # altered body: digest no longer matches
    valid = entry.read_text(encoding="utf-8")
    assert '"acme-2024"' in valid and '"acme-2025"' not in valid  # and the entry was rewritten


def test_changing_a_catalog_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path, VALID)
    load([root / "local"], base=root)
    (root / "local" / "acme-2024.yaml").write_text(VALID.replace('hs: "8.1"', 'hs: "8.9"'), encoding="utf-8")
    with pytest.raises(CatalogError):
        load([root / "local"], base=root)


def test_catalogs_option_names_a_directory(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "acme-2024.yaml").write_text(VALID, encoding="utf-8")
    result = cli("standards", "show", "acme-2024", "--catalogs", str(tmp_path / "mine"))
    assert result.exit_code == 0, result.stderr
    assert "Supplier register" in result.stdout


def test_catalogs_class_loads_builtins(catalogs: Catalogs) -> None:
    assert catalogs.edition("ISO/IEC 27001:2022").id == "iso27001-2022"
    assert catalogs.edition("iso9001:2015").id == "iso9001-2015"
    assert catalogs.edition("iso9001").id == "iso9001-2026"
    assert catalogs.edition("9001:2015").id == "iso9001-2015"


def test_a_compiled_catalog_entry_only_serves_the_files_it_was_built_from(tmp_path: Path) -> None:
    from isoctl.catalog.load import compile_builtin
    from isoctl.files import cache

    target = tmp_path / "catalogs.json"
    compile_builtin(target)
    entry = json.loads(target.read_text(encoding="utf-8"))
    found = cache.read_entry(target, entry["key"])
    assert found is not None and found["editions"]
    assert cache.read_entry(target, "0" * 32) is None  # different files or code: not used
