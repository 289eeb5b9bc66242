"""REST routes of a case's lifecycle: open by hand, edit, take, tasks, merge, pending signals,
notes. Each handles one operation with a small input serializer and calls one service."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from core.api_input import StrictInput
from core.errors import DomainError
from core.roles import INVESTIGATOR, LEAD, LEGAL, user_roles

from .api import CaseSerializer
from .case_tasks import (
    TEMPLATE_CHOICES,
    task_add,
    task_assignee_find,
    task_update,
    tasks_template_apply,
)
from .freeze import pending_signals_decide
from .merge import case_merge
from .models import Case, Severity, TaskStatus
from .notes import comment_edit
from .selectors import HIDDEN_CASE, case_get_for_user, case_reference_visible
from .services import case_comment_add, case_record_view, case_take, case_update

MAX_ACCOUNTS = 100_000


class CaseCreateInput(StrictInput):
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    suspected_actor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    actor_confidence = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=30
    )
    accounts = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=MAX_ACCOUNTS,
        help_text="External ids of accounts to link; an unknown one refuses the request.",
    )
    restricted = serializers.BooleanField(default=False, help_text="Lead only.")
    task_template = serializers.ChoiceField(choices=TEMPLATE_CHOICES, required=False)


class CaseEditInput(StrictInput):
    body_required = True

    title = serializers.CharField(max_length=300, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    suspected_actor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    actor_confidence = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=30
    )


class LifecycleCaseSerializer(CaseSerializer):
    legal_hold = serializers.BooleanField()
    frozen = serializers.BooleanField(source="is_frozen")
    duplicate_of = serializers.SerializerMethodField()
    follow_up_of = serializers.SerializerMethodField()

    def _reference(self, other: Case | None) -> str | None:
        """Another case's number, or HIDDEN_CASE where it is restricted from this user."""
        if other is None:
            return None
        visible = case_reference_visible(self.context["request"].user, other)
        return other.number if visible else HIDDEN_CASE

    @extend_schema_field({"type": "string", "nullable": True})
    def get_duplicate_of(self, case: Case) -> str | None:
        return self._reference(case.duplicate_of)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_follow_up_of(self, case: Case) -> str | None:
        return self._reference(case.follow_up_of)


@extend_schema(methods=["GET"], responses=LifecycleCaseSerializer)
@extend_schema(
    methods=["PATCH"],
    request=CaseEditInput,
    responses={200: LifecycleCaseSerializer},
    description="Correct title, summary, severity, suspected actor, confidence or tags. The "
    "audit event holds each old and new value; a severity change moves the SLA due times.",
)
@api_view(["GET", "PATCH"])
def case_detail(request, number: str):
    case = case_get_for_user(request.user, number)
    if request.method == "GET":
        case_record_view(case=case, user=request.user)
        return Response(LifecycleCaseSerializer(case, context={"request": request}).data)
    data = CaseEditInput(data=request.data, partial=True)
    data.is_valid(raise_exception=True)
    if not data.validated_data:
        raise DomainError("Nothing to change.", field="title", status=400)
    case = case_update(case=case, user=request.user, **data.validated_data)
    return Response(LifecycleCaseSerializer(case, context={"request": request}).data)


@extend_schema(request=None, responses={200: LifecycleCaseSerializer})
@api_view(["POST"])
def case_take_api(request, number: str):
    case = case_get_for_user(request.user, number)
    return Response(
        LifecycleCaseSerializer(
            case_take(case=case, user=request.user), context={"request": request}
        ).data
    )


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    done = serializers.SerializerMethodField()
    skip_reason = serializers.CharField()
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    due_date = serializers.DateField(allow_null=True)
    template = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_done(self, task) -> bool:
        return task.status == TaskStatus.DONE


class TaskCreateInput(StrictInput):
    body_required = True

    title = serializers.CharField(max_length=300, required=False)
    assignee = serializers.CharField(max_length=150, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    template = serializers.ChoiceField(
        choices=TEMPLATE_CHOICES,
        required=False,
        help_text="Add a template's tasks (those the case does not have yet) instead of one.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("title" in attrs) == ("template" in attrs):
            raise serializers.ValidationError({"title": ["Give a title or a template."]})
        return attrs


class TaskEditInput(StrictInput):
    body_required = True

    title = serializers.CharField(max_length=300, required=False)
    assignee = serializers.CharField(max_length=150, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False, help_text="true: done; false: open again.")
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    skip_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    position = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)


def _task_changes(args: dict) -> dict:
    changes = dict(args)
    if "done" in changes:
        done = changes.pop("done")
        if "status" in changes:
            raise DomainError("Give done or status, not both.", field="done", status=400)
        changes["status"] = TaskStatus.DONE if done else TaskStatus.OPEN
    if "assignee" in changes:
        changes["assignee"] = task_assignee_find(changes["assignee"])
    return changes


@extend_schema(methods=["GET"], responses=TaskSerializer(many=True))
@extend_schema(
    methods=["POST"],
    request=TaskCreateInput,
    responses={201: TaskSerializer(many=True)},
    description="Add one task (title) or a template's tasks (template); answers with the "
    "tasks added.",
)
@api_view(["GET", "POST"])
def case_tasks_api(request, number: str):
    case = case_get_for_user(request.user, number)
    if request.method == "GET":
        tasks = case.tasks.select_related("assignee").order_by("position", "pk")
        return Response(TaskSerializer(tasks, many=True).data)
    data = TaskCreateInput(data=request.data)
    data.is_valid(raise_exception=True)
    args = data.validated_data
    if "template" in args:
        added = tasks_template_apply(case=case, user=request.user, template=args["template"])
    else:
        added = [
            task_add(
                case=case,
                user=request.user,
                title=args["title"],
                assignee=task_assignee_find(args.get("assignee")),
                due_date=args.get("due_date"),
            )
        ]
    return Response(TaskSerializer(added, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(request=TaskEditInput, responses={200: TaskSerializer})
@api_view(["PATCH"])
def case_task_api(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    data = TaskEditInput(data=request.data, partial=True)
    data.is_valid(raise_exception=True)
    if not data.validated_data:
        raise DomainError("Nothing to change.", field="title", status=400)
    task = task_update(
        case=case, user=request.user, task_id=pk, **_task_changes(data.validated_data)
    )
    return Response(TaskSerializer(task).data)


class MergeInput(StrictInput):
    into = serializers.CharField(max_length=20, help_text="Number of the surviving case.")


def _case_named(user, number: str, field: str) -> Case:
    """A case named in a request body: one the caller cannot see is "no such case"."""
    try:
        return case_get_for_user(user, number.strip())
    except Http404:
        raise DomainError("No such case.", field=field, status=400) from None


@extend_schema(
    request=MergeInput,
    responses={200: LifecycleCaseSerializer},
    description="Lead only. Moves accounts, signals, evidence, notes and open tasks of this case to "
    "`into`, closes this case as its duplicate; both audit chains record what moved. Answers "
    "with the surviving case.",
)
@api_view(["POST"])
def case_merge_api(request, number: str):
    case = case_get_for_user(request.user, number)
    data = MergeInput(data=request.data)
    data.is_valid(raise_exception=True)
    into = _case_named(request.user, data.validated_data["into"], "into")
    survivor = case_merge(case=case, user=request.user, into=into)
    return Response(LifecycleCaseSerializer(survivor, context={"request": request}).data)


class PendingSignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signal_id = serializers.IntegerField()
    status = serializers.CharField()
    held_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()


class PendingDecisionInput(StrictInput):
    accept = serializers.BooleanField(help_text="true attaches the signals; false rejects them.")
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100_000,
        help_text="Pending entries to decide on; all pending ones when left out.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@extend_schema(methods=["GET"], responses=PendingSignalSerializer(many=True))
@extend_schema(
    methods=["POST"],
    request=PendingDecisionInput,
    responses={200: PendingSignalSerializer(many=True)},
    description="Signals routing held on a frozen case: accept or reject them.",
)
@api_view(["GET", "POST"])
def case_pending_api(request, number: str):
    case = case_get_for_user(request.user, number)
    if request.method == "GET":
        rows = case.pending_signals.select_related("decided_by").order_by("held_at", "pk")
        return Response(PendingSignalSerializer(rows, many=True).data)
    data = PendingDecisionInput(data=request.data)
    data.is_valid(raise_exception=True)
    args = data.validated_data
    rows = pending_signals_decide(
        case=case,
        user=request.user,
        pending_ids=args.get("ids"),
        accept=args["accept"],
        reason=args.get("reason", ""),
    )
    return Response(PendingSignalSerializer(rows, many=True).data)


class NoteVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    body = serializers.CharField()
    written_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    history = NoteVersionSerializer(source="versions.all", many=True)


class NoteInput(StrictInput):
    patch_partial = False  # editing a note replaces its body: the edit names it

    body = serializers.CharField(max_length=50_000)


@extend_schema(methods=["GET"], responses=NoteSerializer(many=True))
@extend_schema(methods=["POST"], request=NoteInput, responses={201: NoteSerializer})
@api_view(["GET", "POST"])
def case_notes_api(request, number: str):
    case = case_get_for_user(request.user, number)
    if request.method == "GET":
        notes = case.comments.select_related("author").prefetch_related("versions")
        return Response(NoteSerializer(notes, many=True).data)
    data = NoteInput(data=request.data)
    data.is_valid(raise_exception=True)
    if not (user_roles(request.user) & {INVESTIGATOR, LEAD, LEGAL}):
        raise DomainError("Adding a note needs the investigator, lead or legal role.", status=403)
    note = case_comment_add(case=case, user=request.user, body=data.validated_data["body"])
    return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


@extend_schema(
    request=NoteInput,
    responses={200: NoteSerializer},
    description="The author corrects a note: the new text is a new version, the old one "
    "stays in its history.",
)
@api_view(["PATCH"])
def case_note_api(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    data = NoteInput(data=request.data)
    data.is_valid(raise_exception=True)
    note = comment_edit(
        case=case, user=request.user, comment_id=pk, body=data.validated_data["body"]
    )
    return Response(NoteSerializer(note).data)
