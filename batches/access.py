"""Who may do what to resumption batches and applications.

The role table's rows for this app, and the object rules beside them. The services refuse what
these rules refuse, the pages show a button only for an action in `allowed_actions`, and the API
returns the same list on its detail payloads: one answer to "may this user do this to this
object", read by all three.

- A batch is managed (edited, opened, closed, completed) by the staff side of its association:
  its staff and managers, a partner system bound to it, admins.
- An application is the applicant's: only its enterprise's users edit, submit, withdraw it and
  confirm the resumption.
- An application is decided (approved, rejected, returned) by the staff side of the association
  that runs its batch.

Which of those the object's status allows comes from the model's `STATUS_TRANSITIONS`.
"""

from django.db.models import Model

from batches.models import Application, Batch
from core.access import (
    ASSOCIATION_PEOPLE,
    EVERYONE,
    MANAGER,
    STAFF_SIDE,
    allowed,
    can,
    register,
    scope_of,
)
from core.models import Role
from core.workflow import may_move

register(
    {
        "batch.view": EVERYONE,
        "batch.manage": STAFF_SIDE,
        "application.view": EVERYONE,
        "application.apply": frozenset({Role.ENTERPRISE}),
        "application.decide": STAFF_SIDE,
        "application.queue": ASSOCIATION_PEOPLE,
        "progress.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
        # the enterprises behind the progress figures, by name (not_applied_list …)
        "follow_up.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    }
)

B = Batch.Status
A = Application.Status

# API action name → the status it moves to.
BATCH_TRANSITIONS = {"open": B.OPEN, "close": B.CLOSED, "complete": B.COMPLETED}
APPLICANT_TRANSITIONS = {"submit": A.SUBMITTED, "withdraw": A.WITHDRAWN, "resume": A.RESUMED}
DECISIONS = {"approve": A.APPROVED, "reject": A.REJECTED, "return": A.RETURNED}


# --- batches ------------------------------------------------------------------------------


def may_create_batch(user) -> bool:
    """Whether the user may start a batch for some association (their own)."""
    scope = scope_of(user)
    return can(user, "batch.manage") and (scope.is_admin or bool(scope.association_ids))


def may_manage_batches_of(user, association_id: int | None) -> bool:
    """Whether the user runs the association's batches: creates, edits, opens, closes them."""
    return can(user, "batch.manage") and scope_of(user).works_for(association_id)


def may_manage(user, batch: Batch) -> bool:
    return may_manage_batches_of(user, batch.association_id)


def batch_editable(batch: Batch) -> bool:
    """A completed batch is a record of what happened: it is no longer edited."""
    return batch.status != B.COMPLETED


def batch_actions(user, batch: Batch) -> list[str]:
    manages = may_manage(user, batch)
    return allowed(
        {
            "edit": manages and batch_editable(batch),
            **{name: manages and may_move(batch, to) for name, to in BATCH_TRANSITIONS.items()},
        }
    )


# --- applications -------------------------------------------------------------------------


def may_apply(user) -> bool:
    """Whether the user acts for an enterprise that can apply (an enterprise user with one)."""
    return can(user, "application.apply") and bool(scope_of(user).enterprise_id)


def is_applicant(user, application: Application) -> bool:
    """Whether the user acts for the enterprise that applied."""
    return can(user, "application.apply") and scope_of(user).owns(application.enterprise_id)


def application_editable(application: Application) -> bool:
    """The applicant changes the application while it can still be submitted: a draft, or
    returned for revision."""
    return may_move(application, A.SUBMITTED)


def may_decide_any(user) -> bool:
    """Whether the user decides on applications of some association (the queue's buttons)."""
    scope = scope_of(user)
    return can(user, "application.decide") and (scope.is_admin or bool(scope.association_ids))


def may_decide(user, application: Application) -> bool:
    """Whether the user decides for the association that runs the application's batch."""
    return can(user, "application.decide") and scope_of(user).works_for(
        application.batch.association_id
    )


def application_actions(user, application: Application) -> list[str]:
    applicant = is_applicant(user, application)
    decides = may_decide(user, application)
    return allowed(
        {
            "edit": applicant and application_editable(application),
            **{
                name: applicant and may_move(application, to)
                for name, to in APPLICANT_TRANSITIONS.items()
            },
            **{name: decides and may_move(application, to) for name, to in DECISIONS.items()},
        }
    )


def allowed_actions(user, obj: Model) -> list[str]:
    """The actions (the API's action names) that `user` may take on `obj` now."""
    if isinstance(obj, Batch):
        return batch_actions(user, obj)
    if isinstance(obj, Application):
        return application_actions(user, obj)
    raise TypeError(f"No access rules for {type(obj).__name__}")
