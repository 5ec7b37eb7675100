"""The field types the record models and the manifest share: dates, periods, numbers and lists of text.

Each is an ``Annotated`` type whose validators give messages of our own
(``expected a whole number of days from 1 to 36500 (100 years)``), within
bounds that keep every date a rule computes from a record's dates and the
manifest's periods a date Python can hold. The JSON Schema repeats the
bounds, so editors flag a value outside them as people type. A list or table
field's default is a new empty one for each record, made by :func:`empty`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt
from pydantic_core import PydanticCustomError

#: The calendar a record's dates must fall in. Rules add and subtract windows of up to
#: MAX_DAYS days (plus a year or MAX_WEEKS weeks) to these dates; inside this span no
#: such sum can leave the years 1..9999 that Python's dates hold, so no rule can crash
#: on ``due: 9999-12-31``. Real management-system records sit well inside it.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
#: Longest period a setting or a record may give in days (100 years) or weeks (10 years).
MAX_DAYS = 36_500
MAX_WEEKS = 520
#: Largest magnitude a measured or target value may have: room for any real KPI (money,
#: grams, kWh), small enough that charts and spreadsheets never overflow computing a scale.
MAX_MAGNITUDE = 1e15


def _as_list(value: Any) -> Any:
    """Accept a single string where a list of strings is expected."""
    return [value] if isinstance(value, str) else value


def _as_text(value: Any) -> Any:
    """Accept numbers for free-text identifiers such as versions (``version: 1.2``)."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _in_calendar(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"expected a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}; got {value.isoformat()}")
    return value


def _days(value: int) -> int:
    if not 1 <= value <= MAX_DAYS:
        raise ValueError(f"expected a whole number of days from 1 to {MAX_DAYS} (100 years); got {_shown(value)}")
    return value


def _weeks(value: int) -> int:
    if not 1 <= value <= MAX_WEEKS:
        raise ValueError(f"expected a whole number of weeks from 1 to {MAX_WEEKS} (10 years); got {_shown(value)}")
    return value


def _finite(value: Any) -> Any:
    """Refuse ``.inf``, ``.nan`` and numbers beyond MAX_MAGNITUDE (before a huge integer becomes a float).

    YAML ``true`` is not the number 1.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number; got {str(value).lower()}")
    if isinstance(value, int | float) and not -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # also false for NaN
        raise ValueError(f"expected a finite number between -1e15 and 1e15; got {_shown(value)}")
    return value


def _shown(value: float) -> str:
    """A number as YAML spells it (``.inf``, ``.nan``), a huge one by its size rather than all its digits."""
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"a number of {len(str(abs(value)))} digits"
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)


# The bounds are checked by validators with messages of our own; json_schema_extra
# repeats them in the JSON Schema so editors flag them as people type. StrictInt:
# YAML ``true`` or ``30.5`` is not a number of days.
def _day_text(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (or a date) is a date: pydantic would also take a number as a Unix time (``0`` is
    1970-01-01) and a datetime of midnight; the schema editors check against says so too."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    if value.__class__ is dt.date:
        return value
    raise PydanticCustomError("date_type", "Input should be a valid date")


#: A date in the span FIRST_DAY..LAST_DAY, written YYYY-MM-DD.
Day = Annotated[dt.date, BeforeValidator(_day_text), AfterValidator(_in_calendar)]
#: A period in days, 1..MAX_DAYS.
Days = Annotated[StrictInt, AfterValidator(_days), Field(json_schema_extra={"minimum": 1, "maximum": MAX_DAYS})]
#: A period in weeks, 1..MAX_WEEKS.
Weeks = Annotated[StrictInt, AfterValidator(_weeks), Field(json_schema_extra={"minimum": 1, "maximum": MAX_WEEKS})]
#: A finite number no larger than MAX_MAGNITUDE either way (no ``.inf``, no ``.nan``).
Number = Annotated[float, BeforeValidator(_finite), AfterValidator(_finite),
                   Field(json_schema_extra={"minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE})]


def _new_list() -> list[Any]:
    return []


def _new_dict() -> dict[Any, Any]:
    return {}


def empty(kind: type[list[Any]] | type[dict[Any, Any]], description: str | None = None) -> Any:
    """The default of a list or table field: a new empty one for each record, made by a call rather than by
    deep-copying a shared ``[]`` (a third of the cost of building small records), shown as such in the schema.

    The factory is a function of ours, not ``list`` itself: building the
    validators asks each factory for its signature, which for a built-in
    means parsing its text signature (a quarter of the time to build them).
    """
    return Field(default_factory=_new_list if kind is list else _new_dict, json_schema_extra={"default": kind()},
                 description=description)


TextList = Annotated[list[str], BeforeValidator(_as_list)]
Text = Annotated[str, BeforeValidator(_as_text)]
#: A score from 1 to 5 (StrictInt: YAML ``true`` or ``"2"`` is not a score).
Score = Annotated[StrictInt, Field(ge=1, le=5)]
