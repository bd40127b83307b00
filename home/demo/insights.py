"""Demo step: fold the demo's statements into the dashboard aggregates, so the dashboards are alive on first run.

Runs last (after every step that records statements). Idempotent: the fill is incremental, so a second
seed finds nothing new. Lag 0: the seeder's own transactions have all committed by now.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from insights.dashboards.services import aggregates_fill

if TYPE_CHECKING:
    from .steps import SeedContext, StepResult


def seed_insights(context: SeedContext) -> StepResult:
    from .steps import StepResult

    report = aggregates_fill(lag=timedelta(0))
    created: Counter[str] = Counter({"statements filled into the dashboards": report.statements})
    return StepResult("dashboards", created, "aggregates up to date")
