"""The people a new workspace starts with: ``init --person "id:Name:Role[:top]"``, or the git user.

A consultant scaffolds a client's repository: the client's directors and
coordinators own the policies and attend the reviews, not whoever ran
``init``. So the people named on the command line (or at the prompt) are the
manifest's ``people:``, and the git user is used only when nobody is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from isoctl.errors import UsageError
from isoctl.scaffold.free_text import check_line

#: The pattern of a person id (the manifest model's ``PersonId``).
PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SPEC_HINT = 'write --person "id:Name:Role", with ":top" at the end for top management, e.g. "jsmith:Jane Smith:Managing Director:top"'


@dataclass(frozen=True)
class NewPerson:
    """One person of a new manifest."""

    id: str
    name: str
    role: str | None = None
    email: str | None = None
    top_management: bool = False

    def context(self) -> dict[str, str | bool | None]:
        """The person as templates see it (``people`` and ``owner``)."""
        return {"id": self.id, "name": self.name, "role": self.role, "email": self.email,
                "top_management": self.top_management}


def check_person_id(value: str, what: str) -> str:
    """``value`` when it is a usable person id; UsageError saying why not otherwise."""
    if not PERSON_ID.match(value):
        raise UsageError(f"{what}: '{value}' is not a valid person id",
                         hint="start with a letter or digit, then letters, digits, '.', '_' or '-' (e.g. jsmith)")
    if not isinstance(yaml.safe_load(value), str):
        raise UsageError(f"{what}: '{value}' would read as a number or a boolean in YAML, not as an id",
                         hint="start the id with a letter, e.g. p007")
    return value


def parse_person(spec: str) -> NewPerson:
    """``id:Name:Role[:top]`` (the role may be left out or empty) as a person; UsageError when malformed."""
    parts = [part.strip() for part in spec.split(":")]
    top = len(parts) >= 3 and parts[-1].lower() == "top"
    if top:
        parts = parts[:-1]
    shown = f"--person {spec!r}"
    if len(parts) < 2 or len(parts) > 3:
        raise UsageError(f"{shown}: expected id:Name:Role[:top]", hint=SPEC_HINT)
    person_id, name = parts[0], parts[1]
    role = parts[2] if len(parts) == 3 and parts[2] else None
    if not person_id:
        raise UsageError(f"{shown}: the id is empty", hint=SPEC_HINT)
    check_person_id(person_id, shown)
    if not name:
        raise UsageError(f"{shown}: the name is empty", hint=SPEC_HINT)
    check_line(name, f"{shown}: the name")  # names and roles reach comments and tables nothing can quote
    if role is not None:
        check_line(role, f"{shown}: the role")
    return NewPerson(person_id, name, role, None, top)


def parse_people(specs: list[str]) -> list[NewPerson]:
    """Every ``--person``, in the order given; UsageError for a malformed one or an id given twice."""
    people: list[NewPerson] = []
    seen: dict[str, str] = {}
    for spec in specs:
        person = parse_person(spec)
        if person.id in seen:
            raise UsageError(f"--person {spec!r}: the id '{person.id}' is given twice (also for {seen[person.id]})",
                             hint="every person needs an id of their own")
        seen[person.id] = person.name
        people.append(person)
    return people


#: The role written for the git user, who is made top management until someone says otherwise.
PLACEHOLDER_ROLE = "TODO: role, for example Managing Director"


def team(people: list[NewPerson] | None, git_user: dict[str, str | None]) -> list[dict[str, str | bool | None]]:
    """The ``people`` of a template: those named, else the git user (``{id, name, email}``) as top management."""
    if people:
        return [person.context() for person in people]
    return [{**git_user, "role": PLACEHOLDER_ROLE, "top_management": True}]


def lead(people: list[dict[str, str | bool | None]]) -> dict[str, str | bool | None]:
    """The template's ``owner``, who owns the draft policies: the first top-management person, else the first."""
    return next((person for person in people if person["top_management"]), people[0])
