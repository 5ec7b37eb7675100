"""Rules about how nonconformities are closed: effectiveness verified too soon to be seen, and problems that come back."""

from __future__ import annotations
