"""What the numbers say: the owners' dashboard, the admin queue's SQL, SVG charts.

Plain queries over the returns tables and pure drawing; no Flask views here.
"""

from __future__ import annotations

from .charts import Bar, Segment, bar_chart, share_bar
from .figures import Dashboard, Period, dashboard
from .kept import KeptValue
from .outcomes import OUTCOMES, Outcomes
from .queue import (
    COUNT_CAP,
    OPEN,
    STATUSES,
    WAITING,
    QueueFilters,
    arrived_count,
    queue_page,
    status_counts,
    waiting_counts,
)

__all__ = [
    "COUNT_CAP",
    "OPEN",
    "OUTCOMES",
    "STATUSES",
    "WAITING",
    "Bar",
    "Dashboard",
    "KeptValue",
    "Outcomes",
    "Period",
    "QueueFilters",
    "Segment",
    "arrived_count",
    "bar_chart",
    "dashboard",
    "queue_page",
    "share_bar",
    "status_counts",
    "waiting_counts",
]
