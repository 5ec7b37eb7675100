"""``isoctl init``: create a new workspace from a template or a shipped example."""

from __future__ import annotations

import enum
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from isoctl.cli.common import console, note, parse_today

if TYPE_CHECKING:
    from collections.abc import Callable

    from isoctl.core.advise import Advice
    from isoctl.scaffold.history import History


class CiChoice(str, enum.Enum):
    """The CI systems ``init`` can wire up."""

    github = "github"
    gitlab = "gitlab"
    none = "none"


def init(
    path: Path = typer.Argument(..., help="Directory to create (it must not exist, or be empty)."),
    org: str | None = typer.Option(None, "--org", metavar="NAME", help="Organization name. Default: the directory's name."),
    standard: list[str] | None = typer.Option(
        None,
        "--standard",
        "-s",
        metavar="EDITION",
        help="A standard in scope, e.g. iso9001:2015 or iso27001:2022 (repeatable; at least one).",
    ),
    template: str = typer.Option(
        "default", "--template", "-t", metavar="NAME|DIR", help="Built-in template name, or your own template directory."
    ),
    example: str | None = typer.Option(
        None, "--example", metavar="NAME", help="Start from a complete example management system instead of a template."
    ),
    ci: CiChoice | None = typer.Option(None, "--ci", help="CI pipeline to add. Default: github."),
    git: bool = typer.Option(True, "--git/--no-git", help="Make the workspace a git repository with a first commit "
                              "(never inside an existing repository: there CI goes to its root and nothing is committed)."),
    allow_superseded: bool = typer.Option(
        False, "--allow-superseded", help="Accept an edition whose transition has ended (e.g. iso27001:2013), to migrate it later."
    ),
    person: list[str] | None = typer.Option(
        None, "--person", "-p", metavar="ID:NAME:ROLE",
        help="A person of the manifest, e.g. \"jsmith:Jane Smith:Managing Director:top\" (repeatable; ':top' marks top "
             "management). Default: asked at a terminal, else the git user as top management.",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Ask nothing: without --person, the git user is top management."),
    answers: Path | None = typer.Option(
        None, "--answers", metavar="FILE.yaml", dir_okay=False,
        help="Scaffold the essential and recommended standards of a needs analysis (see 'isoctl advise') and keep "
             "the analysis in the workspace; --standard adds to them.",
    ),
) -> None:
    """Create a workspace: manifest, draft policies and procedures, SoA, CI, schemas, first commit.

    `isoctl init acme --org "Acme Ltd" --standard iso9001:2015 --standard iso27001:2022`
    """
    from isoctl.errors import UsageError
    from isoctl.scaffold.repository import enclosing_repository
    from isoctl.scaffold.workspace import copy_example, scaffold

    outer = enclosing_repository(path)  # inside a repository: no nested one, CI files at its root
    told: list[str] = []
    said: list[str] = []  # what a needs analysis adds to the summary
    pasts: list[History] = []  # an example's replayed past (its commits say the rest)
    if example is not None:
        given = [flag for flag, used in (("--standard", standard), ("--org", org), ("--ci", ci),
                                         ("--allow-superseded", allow_superseded), ("--person", person),
                                         ("--answers", answers)) if used]
        if template != "default":
            given.append("--template")
        if given:
            raise UsageError(
                f"--example copies a complete management system; it cannot be combined with {', '.join(given)}"
            )
        written = copy_example(path, example, git=git, replayed=pasts.append)
        described = f"the example '{example}'"
        if outer is not None:
            told.append(f"The workspace is inside the git repository {outer}: no repository was created inside it "
                        "and nothing was committed.")
    else:
        from isoctl.scaffold.free_text import check_line

        if org is not None:  # said up front, before an analysis is read or anyone is asked for names
            check_line(org, "--org")
        advice = None
        keep = None
        if answers is not None:
            from isoctl.cli.advise import plan_for_init

            advice, standard, org = plan_for_init(answers, standard or [], org)
            if org is not None:
                check_line(org, f"'organization:' in {answers}", hint=f"write it on one line in {answers}, or give "
                                                                      "the name with --org NAME")
            keep = _keeper(advice, said)
        if not standard:
            raise UsageError(
                "choose at least one standard with --standard",
                hint="for example --standard iso9001:2015; 'isoctl standards list' shows them all",
            )
        organization = org if org is not None else path.resolve().name
        if org is None:
            check_line(organization, "the directory's name (the organization's name when --org is not given)",
                       hint="give the name with --org NAME")
        from isoctl.cli.people import people_for_init

        named = people_for_init(person or [], ask=not yes, target=path)
        written = scaffold(
            path,
            organization=organization,
            standards=standard,
            template=template,
            ci=(ci or CiChoice.github).value,
            git=git,
            today=parse_today(None),  # ISOCTL_TODAY pins the date written into drafts (and the transitions' state)
            allow_superseded=allow_superseded,
            warn=lambda message: note(message, label="warning"),
            people=named,
            tell=told.append,
            add=keep,  # the analysis is kept before the first commit, and taken back with the rest on a failure
        )
        described = organization
    later: list[str] = []
    when = ""
    for past in pasts:  # a past to look at: what was replayed, and the commands that show it as of the example's day
        said = [past.describe()]
        if past.read_on is not None:
            said.append(f"Its records are dated for reading on {past.read_on}: evaluate it as of that day with "
                        f"--today {past.read_on} (or ISOCTL_TODAY={past.read_on}).")
            when = f" --today {past.read_on}"
        later = [f"isoctl history{when}", f"isoctl pulse{when}", f"isoctl report{when} -o pack.html"]
    _summarise(path, written, described, committed=git and outer is None and not pasts, drafts=example is None,
               told=told, said=said, check=f"isoctl check{when}", later=later)


def _keeper(advice: Advice, said: list[str]) -> Callable[[Path], list[Path]]:
    """What ``init --answers`` adds to the new workspace: its needs analysis, and the lines ``said`` about it."""

    def keep(root: Path) -> list[Path]:
        from isoctl.cli.advise import keep_analysis

        kept, lines = keep_analysis(root, advice)
        said.extend(lines)
        return [kept]

    return keep


def _summarise(path: Path, written: list[Path], described: str, *, committed: bool, drafts: bool,
               told: list[str] | None = None, said: list[str] | None = None, check: str = "isoctl check",
               later: list[str] | None = None) -> None:
    """Say what was created (schemas summed up in one line), where CI went, and what to do next."""
    out = console()
    out.print(f"Created a workspace for {described} in {path}/", markup=False)
    inside = [p for p in written if p.is_relative_to(path)]  # the rest sits at the root of an enclosing repository
    schemas = [p for p in inside if ".isoctl" in p.relative_to(path).parts]
    for file in inside:
        if file not in schemas:
            out.print(f"  {file.relative_to(path).as_posix()}", markup=False)
    if schemas:
        out.print(f"  .isoctl/schema/ ({len(schemas)} JSON Schemas for editor completion)", markup=False)
    if committed:
        from isoctl.history.git import head_state

        sha, _ = head_state(path)
        if sha:
            out.print(f"Committed {sha[:12]} with every file above.", markup=False)
    import os

    outside = [os.path.relpath(p) for p in written if not p.is_relative_to(path)]
    if outside:
        out.print("At the repository root, where GitHub, GitLab, pre-commit and editors read them:", markup=False)
        for name in outside:
            out.print(f"  {Path(name).as_posix()}", markup=False)
    for line in [*(told or []), *(said or [])]:
        out.print(line, markup=False)
    out.print("\nNext steps:", markup=False)
    if told:
        added = [shlex.quote(name) for name in outside]
        out.print(f"  git add {' '.join([shlex.quote(str(path)), *added])} && git commit", markup=False)
    out.print(f"  cd {shlex.quote(str(path))} && {check}", markup=False)
    for command in later or []:
        out.print(f"  {command}", markup=False)
    if drafts:
        out.print("  then replace the TODO markers in the draft documents and fill in the manifest.", markup=False)
