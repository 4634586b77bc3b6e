"""Models of allocation's backfill (imported by allocation.models)."""

from __future__ import annotations
