"""Templates from a user's directory (``report --template DIR``, ``init --template DIR``) cannot leak, hang or escape.

Each case is a directory someone could hand a consultant: a link to a
secret, a FIFO, a link loop, a loop that never ends, a value that grows
without bound, a classic template-injection payload. Every one must end in
exit 2 with a message naming the culprit, never a traceback, never a hang,
never a byte of the secret in the output, and ``init`` must leave no half-
written workspace behind.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import Cli, MakeWorkspace, Run, run_isoctl, write_tree

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /proc and POSIX links")

MANIFEST_J2 = "isoctl: 1\norganization: {name: {{ organization | yaml }}}\nstandards: [{{ standards[0].display }}]\n"
SCRIPT_ACTION = ("id: ACT-1\nkind: action\ntype: nonconformity\nseverity: minor\nsource: internal-audit\n"
                 "title: '<script>alert(1)</script>'\nraised_on: 2026-01-10\ndue: 2026-02-10\nowner: jsmith\n")
SECRET = "s3cret-token-do-not-leak"


@pytest.fixture
def workspace(make_workspace: MakeWorkspace) -> Path:
    """A small workspace (no git: the report says its history is unavailable) with one action titled as a script."""
    return make_workspace({"actions/ACT-1.yaml": SCRIPT_ACTION})


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def report(cli: Cli, workspace: Path, template: Path, fmt: str = "md") -> Run:
    return cli("report", "-f", fmt, "--template", str(template), cwd=workspace)


def init(cli: Cli, tmp_path: Path, template: Path) -> Run:
    return cli("init", "ws-new", "--standard", "iso9001:2015", "--no-git", "--template", str(template), cwd=tmp_path)


def scaffold_template(root: Path, files: dict[str, str] | None = None) -> Path:
    """An init template that works as it is: a manifest, plus ``files``."""
    return write_tree(root, {"isoctl.yaml.j2": MANIFEST_J2, **(files or {})})


# -- files: only regular files inside the directory --------------------------------------


@pytest.mark.parametrize("target", ["secret", "/etc/passwd", "/proc/self/environ"])
def test_report_include_of_a_link_out_of_the_directory_is_refused(
    target: str, cli: Cli, workspace: Path, secret: Path, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "t", {"report.md.j2": "{% include 'x' %}"})
    (template / "x").symlink_to(secret if target == "secret" else target)
    run = report(cli, workspace, template).expect(2, f"template file {template / 'x'} links outside the template directory")
    assert SECRET not in run.stdout + run.stderr and "root:" not in run.stdout


def test_report_template_that_is_itself_a_link_out_is_refused_not_replaced(
    cli: Cli, workspace: Path, secret: Path, tmp_path: Path
) -> None:
    template = tmp_path / "t"
    template.mkdir()
    (template / "report.md.j2").symlink_to(secret)
    run = report(cli, workspace, template).expect(2, "report.md.j2 links outside the template directory")
    assert SECRET not in run.stdout and "Audit pack" not in run.stdout  # no silent fall-back to the built-in


def test_report_refuses_fifos_and_link_loops_without_blocking(workspace: Path, tmp_path: Path) -> None:
    fifo_include = write_tree(tmp_path / "fifo-include", {"report.md.j2": "{% include 'pipe' %}"})
    os.mkfifo(fifo_include / "pipe")
    fifo_template = tmp_path / "fifo-template"
    fifo_template.mkdir()
    os.mkfifo(fifo_template / "report.md.j2")
    looped = write_tree(tmp_path / "loop", {"report.md.j2": "{% include 'a' %}"})
    (looped / "a").symlink_to("b")
    (looped / "b").symlink_to("a")
    cases = [(fifo_include, "pipe is not a regular file (a FIFO)"), (looped, "a is a symbolic link loop")]
    for template, message in cases:
        run_isoctl("report", "-f", "md", "--template", str(template), cwd=workspace, timeout=30).expect(2, message)
    # a FIFO where the report template should be: refused, not read, not replaced by the built-in
    run = run_isoctl("report", "-f", "md", "--template", str(fifo_template), cwd=workspace, timeout=30)
    run.expect(2, "report.md.j2 is not a regular file (a FIFO)")


def test_report_refuses_a_directory_in_proc(cli: Cli, workspace: Path) -> None:
    report(cli, workspace, Path("/proc/self")).expect(2, "is inside /proc, not a directory of templates")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: (t / "loop.md").symlink_to("loop.md"), "loop.md is a symbolic link loop"),
        (lambda t: ((t / "a").symlink_to("b"), (t / "b").symlink_to("a")), "a is a symbolic link loop"),
        (lambda t: (t / "here").symlink_to("."), "here is a link to a directory"),
        (lambda t: (t / "gone.md").symlink_to("nowhere"), "gone.md is a broken symbolic link"),
        (lambda t: os.mkfifo(t / "pipe.md"), "pipe.md is not a regular file (a FIFO)"),
        (lambda t: (t / "env.txt").symlink_to("/proc/self/environ"), "env.txt links outside the template directory"),
        (lambda t: (t / "sub").mkdir() or (t / "sub" / "passwd.txt").symlink_to("/etc/passwd"),
         "passwd.txt links outside the template directory"),
    ],
    ids=["self-link", "loop", "link-to-dir", "dangling", "fifo", "proc", "etc-passwd"],
)
def test_init_refuses_unsafe_files_in_the_template(make: Callable[[Path], object], message: str, cli: Cli, tmp_path: Path) -> None:
    template = scaffold_template(tmp_path / "t")
    make(template)
    init(cli, tmp_path, template).expect(2, message)
    assert not (tmp_path / "ws-new").exists()


def test_init_include_of_a_link_out_is_refused(cli: Cli, tmp_path: Path, secret: Path) -> None:
    template = scaffold_template(tmp_path / "t", {"notes.md.j2": "{% include 'snippet' %}"})
    (template / "snippet").mkdir()  # a folder of that name is no template either
    (template / "snippet" / "x").write_text("x")
    (template / "snippet.txt").symlink_to(secret)
    template.joinpath("notes.md.j2").write_text("{% include 'snippet.txt' %}")
    init(cli, tmp_path, template).expect(2, "snippet.txt links outside the template directory")
    assert not (tmp_path / "ws-new").exists()


def test_init_follows_links_that_stay_inside_the_template(cli: Cli, tmp_path: Path) -> None:
    template = scaffold_template(tmp_path / "t", {"shared/logo.txt": "LOGO\n"})
    (template / "logo.txt").symlink_to("shared/logo.txt")
    init(cli, tmp_path, template).expect(0)
    assert (tmp_path / "ws-new" / "logo.txt").read_text() == "LOGO\n"


# -- time and size budgets ----------------------------------------------------------------

NESTED_LOOPS = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"


def test_nested_loops_stop_after_the_time_budget_in_both_commands(workspace: Path, tmp_path: Path) -> None:
    report_template = write_tree(tmp_path / "r", {"report.md.j2": NESTED_LOOPS})
    init_template = scaffold_template(tmp_path / "i", {"slow.md.j2": NESTED_LOOPS})
    commands = [
        (("report", "-f", "md", "--template", str(report_template)), workspace, "report.md.j2 was stopped"),
        (("init", "ws-new", "--standard", "iso9001:2015", "--no-git", "--template", str(init_template)), tmp_path,
         "template slow.md.j2:1: stopped"),
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:  # both at once: each waits out the same 5 s budget
        runs = list(pool.map(lambda c: run_isoctl(*c[0], cwd=c[1], timeout=60), commands))
    for run, (_, _, message) in zip(runs, commands, strict=True):
        run.expect(2, message).expect(2, "took longer than 5 s to render")
    assert time.monotonic() - started < 45
    assert not (tmp_path / "ws-new").exists()


GROWING = [
    "{{ 'x' * 10**12 }}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% set a = 'x' * 1000000 %}{% set b = [a,a,a,a,a,a,a,a,a,a] %}{% set c = [b,b,b,b,b,b,b,b,b,b] %}"
    "{% set d = [c,c,c,c,c,c,c,c,c,c] %}{{ d }}",
    "{{ ('x' * 1000000).replace('x', 'y' * 1000000) }}",
    "{{ 'x' | center(10**10) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ range(99999) | join('x' * 10**6) }}",
    "{% for i in range(99999) %}{{ 'x' * 1000 }}{% endfor %}",
    "{% macro m() %}{% for i in range(99999) %}{{ 'y' * 1000 }}{% endfor %}{% endmacro %}{% set x = m() %}",
]


@pytest.mark.parametrize("template_text", GROWING)
def test_report_output_that_grows_without_bound_is_refused(
    template_text: str, cli: Cli, workspace: Path, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "t", {"report.md.j2": template_text})
    report(cli, workspace, template).expect(2, "larger than 32 MB (the limit for templates from a directory)")


def test_init_output_that_grows_without_bound_is_refused(cli: Cli, tmp_path: Path) -> None:
    template = scaffold_template(tmp_path / "t", {"big.md.j2": GROWING[1]})
    init(cli, tmp_path, template).expect(2, "template big.md.j2:1: stopped: it would make")
    assert not (tmp_path / "ws-new").exists()


@pytest.mark.parametrize("template_text", ["{{ 9 ** (9 ** 9) }}", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"])
def test_huge_numbers_and_endless_recursion_are_refused(
    template_text: str, cli: Cli, workspace: Path, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "t", {"report.md.j2": template_text})
    run = report(cli, workspace, template).expect(2, "report.md.j2 was stopped")
    assert "bits" in run.stderr or "calls itself" in run.stderr


# -- the sandbox: no way to Python's internals ------------------------------------------------

SSTI = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ config }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace.__init__.__globals__.os }}",
    "{{ joiner.__init__.__globals__ }}",
]


@pytest.mark.parametrize("payload", SSTI)
def test_injection_payloads_are_refused_by_report(payload: str, cli: Cli, workspace: Path, tmp_path: Path) -> None:
    template = write_tree(tmp_path / "t", {"report.md.j2": payload})
    run = report(cli, workspace, template).expect(2, "report.md.j2")
    assert "sandbox" in run.stderr or "'config' is undefined" in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize("payload", SSTI)
def test_injection_payloads_are_refused_by_init(payload: str, cli: Cli, tmp_path: Path) -> None:
    template = scaffold_template(tmp_path / "t", {"x.md.j2": payload})
    run = init(cli, tmp_path, template).expect(2, "template x.md.j2:1:")
    assert "sandbox" in run.stderr or "'config' is undefined" in run.stderr
    assert not (tmp_path / "ws-new").exists()


def test_html_from_a_template_directory_escapes_script(cli: Cli, workspace: Path, tmp_path: Path) -> None:
    template = write_tree(tmp_path / "t", {"report.html.j2": "<p>{{ report.actions[0].title }}</p>"
                                                             "<p>{{ report.actions[0].title ~ '!' }}</p>"})
    run = report(cli, workspace, template, fmt="html").expect(0)
    assert run.stdout.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert "<script>" not in run.stdout


def test_a_template_extending_the_builtin_renders_as_the_builtin(cli: Cli, workspace: Path, tmp_path: Path) -> None:
    template = write_tree(tmp_path / "t", {"report.md.j2": '{% extends "isoctl/report.md.j2" %}'})
    builtin = cli("report", "-f", "md", cwd=workspace).expect(0)
    assert report(cli, workspace, template).expect(0).stdout == builtin.stdout
