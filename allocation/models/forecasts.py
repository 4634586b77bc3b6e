"""Models of allocation's forecasts (imported by allocation.models)."""

from __future__ import annotations
