"""Models of allocation's redeploy (imported by allocation.models)."""

from __future__ import annotations
