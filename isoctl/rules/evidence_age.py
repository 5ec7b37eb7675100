"""Rules about the age of evidence: evidence too old to prove a current claim, and dates that lie in the future."""

from __future__ import annotations
