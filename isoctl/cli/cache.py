"""``isoctl cache info|clear``: what the user cache holds, and emptying it."""

from __future__ import annotations

import json

import typer

from isoctl.cli.common import ListFormat, emit

app = typer.Typer(help="Show or empty isoctl's cache (results, records and catalogs kept between runs).",
                  no_args_is_help=True, rich_markup_mode=None)


def _size(count: int) -> str:
    """Bytes for people: ``512 B``, ``3.4 MB``."""
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


@app.command("info")
def info(format: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format.")) -> None:
    """Where the cache is, its size against its cap, and its entries per kind."""
    from isoctl.files import cache_usage

    found = cache_usage.info()
    if format is ListFormat.json:
        emit(json.dumps({
            "directory": str(found.directory) if found.directory else None,
            "enabled": found.directory is not None,
            "bytes": found.bytes,
            "entries": found.entries,
            "max_bytes": found.max_bytes,
            "sections": [{"name": s.name, "entries": s.entries, "bytes": s.bytes} for s in found.sections],
        }, indent=2))
        return
    if found.directory is None:
        emit("cache: off (ISOCTL_NO_CACHE is set)")
        return
    lines = [f"cache: {found.directory}",
             f"size:  {_size(found.bytes)} of {_size(found.max_bytes)} (ISOCTL_CACHE_MAX_MB), {_entries(found.entries)}"]
    width = max((len(s.name) for s in found.sections), default=0)
    lines += [f"  {s.name:<{width}}  {_entries(s.entries):>13}  {_size(s.bytes):>10}" for s in found.sections]
    emit("\n".join(lines))


@app.command("clear")
def clear() -> None:
    """Remove every cache entry; the next run computes everything again."""
    from isoctl.files import cache_usage

    freed = cache_usage.clear()
    emit(f"cache cleared: {_size(freed)} freed")
