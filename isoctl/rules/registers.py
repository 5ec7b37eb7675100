"""Rules that keep registers alive: risks, aspects, hazards, obligations, suppliers, the BIA and assets reviewed on their cadence, and obligations that are not met acted on."""

from __future__ import annotations
