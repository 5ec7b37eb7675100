"""Rules about substance rather than presence: controls implemented on paper only, unfinished documents, weak hazard controls, policies approved by the wrong person."""

from __future__ import annotations
