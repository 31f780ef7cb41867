"""Pages of the tasks app. Only the ledger download lives here; portal pages are elsewhere."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from .ledger import plan_ledger_response
from .models import Plan


@login_required
def plan_ledger(request, plan_id: int):
    """The plan's 责任分解表 as Excel: every task for the office and leaders, own tasks for units."""
    return plan_ledger_response(user=request.user, plan=get_object_or_404(Plan, pk=plan_id))
