"""What detection hands on. Routing stands above detection (it reads signals, opens and
changes cases), so new signals reach it as a task named here, never by an import."""

from core.enqueue import task_enqueue_on_commit

# The name routing.tasks registers (kept from when the task lived in detection.tasks: beat's
# schedule and queued messages carry it).
ROUTE_PENDING_TASK = "detection.tasks.signals_route_pending"


def signals_routing_request() -> None:
    """Once this transaction commits, have the new signals routed."""
    task_enqueue_on_commit(ROUTE_PENDING_TASK)
