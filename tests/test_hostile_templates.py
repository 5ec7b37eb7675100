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
from helpers import Cli, MakeWorkspace, Run, committed_example, run_isoctl, write_tree

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
        (("report", "-f", "md", "--template", str(report_template)), workspace, "report.md.j2:1: stopped"),
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
    run = report(cli, workspace, template).expect(2, "report.md.j2")
    assert "report.md.j2:1: stopped: it would make a number of more than" in run.stderr or \
        "report.md.j2: stopped: it calls itself" in run.stderr


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


# -- Typst: a PDF template reads the files of its own directory, nothing else ------------------


def report_pdf(cli: Cli, workspace: Path, template: Path, target: Path) -> Run:
    return cli("report", "-f", "pdf", "--template", str(template), "-o", str(target), cwd=workspace)


@pytest.mark.parametrize(
    ("call", "searched"),
    [('#read("secret.txt")', "secret.txt"), ('#image("/etc/hostname")', "etc/hostname")],
    ids=["current-directory", "absolute-path"],
)
def test_a_pdf_template_cannot_read_a_file_outside_its_directory(
    call: str, searched: str, cli: Cli, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "secret.txt").write_text(SECRET)  # the directory isoctl runs in: once Typst's root
    template = write_tree(tmp_path / "t", {"report.typ.j2": f"= Pack of {{{{ report.organization }}}}\n{call}\n"})
    target = tmp_path / "out.pdf"
    run = report_pdf(cli, workspace, template, target)
    run.expect(2, f"error: template {template}/report.typ.j2:2: the Typst it renders does not compile: "
                  f"file not found (searched at {template}/{searched})")
    assert f"line 2 of the Typst it renders: {call}" in run.stderr
    assert "Typst reads only the files inside the template directory" in run.stderr
    assert not target.exists() and SECRET not in run.stdout + run.stderr


def test_a_pdf_template_cannot_make_typst_download_a_package(cli: Cli, workspace: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Typst downloads @preview packages on its own; isoctl compiles offline. A proxy the user's environment names
    # (here a socket of the test's own, which hangs up on whoever calls) must see no connection, and the
    # environment is as it was afterwards.
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    calls: list[object] = []
    done = threading.Event()

    def answer() -> None:
        while not done.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            calls.append(connection.getpeername())
            connection.close()

    porter = threading.Thread(target=answer, daemon=True)
    porter.start()
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "localhost")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    template = write_tree(tmp_path / "t", {"report.typ.j2": '#import "@preview/cetz:0.2.2": *\nHello\n'})
    target = tmp_path / "out.pdf"
    try:
        run = report_pdf(cli, workspace, template, target)
    finally:
        done.set()
        porter.join()
        listener.close()
    assert calls == []  # nobody knocked
    run.expect(2, f"error: template {template}/report.typ.j2:1: the Typst it renders does not compile: "
                  "package @preview/cetz:0.2.2 is not available")
    assert "isoctl compiles PDFs offline" in run.stderr and not target.exists()
    assert (os.environ.get("HTTPS_PROXY"), os.environ.get("NO_PROXY"), os.environ.get("HTTP_PROXY")) == (
        proxy, "localhost", None)


def test_a_pdf_template_cannot_climb_out_of_its_directory_from_a_file_it_imports(
    cli: Cli, workspace: Path, secret: Path, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "t", {"report.typ.j2": '#import "lib/parts.typ": leak\n#leak\n',
                                           "lib/parts.typ": '#let leak = read("../../secret.txt")\n'})
    target = tmp_path / "out.pdf"
    run = report_pdf(cli, workspace, template, target)
    run.expect(2, f'error: template {template}/lib/parts.typ:1:17: path `"../../secret.txt"` would escape the '
                  "project root")
    assert "--root" not in run.stderr and not target.exists()


def test_a_pdf_template_directory_with_a_link_out_is_refused_before_typst_runs(
    cli: Cli, workspace: Path, secret: Path, tmp_path: Path
) -> None:
    # Typst follows links inside its root: a link to a secret must never get there, used or not
    template = write_tree(tmp_path / "t", {"report.typ.j2": '#read("notes.txt")\n'})
    (template / "notes.txt").symlink_to(secret)
    target = tmp_path / "out.pdf"
    report_pdf(cli, workspace, template, target).expect(
        2, f"error: template file {template}/notes.txt links outside the template directory")
    assert not target.exists()


def test_a_pdf_template_uses_the_files_of_its_own_directory(cli: Cli, workspace: Path, tmp_path: Path) -> None:
    import pypdf

    logo = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'
    template = write_tree(tmp_path / "t", {
        "report.typ.j2": '#import "lib/house.typ": motto\n#image("images/logo.svg", width: 2cm)\n'
                         "= Pack of {{ report.organization }}\n#motto\n",
        "lib/house.typ": '#let motto = [Quality, house style]\n',
        "images/logo.svg": logo,
    })
    target = tmp_path / "out.pdf"
    report_pdf(cli, workspace, template, target).expect(0)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(target).pages)
    assert "Pack of" in text and "Quality, house style" in text


def test_every_pdf_isoctl_compiles_gets_a_typst_root_of_its_own(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit pack, the SoA, the checklist and the review pack: Typst's root is an empty folder of isoctl's,
    never the directory isoctl runs in, and no package folder of the machine is read."""
    import typst

    root = tmp_path / "nimbus"
    committed_example(root, "nimbus-cloud")
    (root / "secret.txt").write_text(SECRET)
    seen: list[dict[str, list[str]]] = []
    compile_ = typst.compile

    def capture(source: bytes, **options: object) -> object:
        folders = {key: str(options[key]) for key in ("root", "package_path", "package_cache_path")}
        assert all(Path(folder).resolve() != root.resolve() for folder in folders.values())
        seen.append({key: sorted(os.listdir(folder)) for key, folder in folders.items()})
        return compile_(source, **options)

    monkeypatch.setattr(typst, "compile", capture)
    commands = [("report", "-f", "pdf"), ("soa", "-f", "pdf"),
                ("audit", "checklist", "AUD-2027-04", ".", "-f", "pdf"), ("review", "prepare", ".", "-f", "pdf")]
    for n, command in enumerate(commands):
        cli(*command, "--today", "2026-12-01", "-o", str(tmp_path / f"{n}.pdf"), cwd=root).expect(0)
        assert (tmp_path / f"{n}.pdf").read_bytes().startswith(b"%PDF")
    assert seen == [{"root": [], "package_path": [], "package_cache_path": []}] * len(commands)


# -- errors of a report template: file, line and reason ---------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"report.md.j2": 'a\n{% include "/tmp/secret.txt" %}\n'},
         "report.md.j2:2: template not found: /tmp/secret.txt"),
        ({"report.md.j2": "a\nb {{ nosuch.var }}\n"}, "report.md.j2:2: 'nosuch' is undefined"),
        ({"report.md.j2": 'a\n{% include "parts/a.j2" %}\n', "parts/a.j2": "ok\n\n{{ 1 // 0 }}\n"},
         "parts/a.j2:3: ZeroDivisionError: integer division or modulo by zero"),
        ({"report.md.j2": "a\n\n{{ ''.__class__ }}\n"},
         "report.md.j2:3: unsafe operation refused by the sandbox: access to attribute '__class__' of 'str' "
         "object is unsafe"),
    ],
    ids=["include-outside", "undefined", "in-an-include", "sandbox"],
)
def test_a_report_template_error_names_the_file_and_line(
    files: dict[str, str], message: str, cli: Cli, workspace: Path, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "t", files)
    run = report(cli, workspace, template).expect(2, f"error: template {template}/{message}")
    assert run.stdout == ""


def test_an_undefined_name_in_a_report_template_lists_what_templates_can_use(
    cli: Cli, workspace: Path, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "t", {"report.md.j2": "{{ organisation }}\n"})
    report(cli, workspace, template).expect(2, f"error: template {template}/report.md.j2:1: 'organisation' is "
                                               "undefined\nhint: report templates can use: report")
