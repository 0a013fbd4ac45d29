"""API tokens that their owners (and the managers of partner accounts) manage (docs/decisions/0025).

An account holds any number of named tokens at once, so that a partner system can rotate its
key without a gap. A token's key is shown once, when it is made, and only its SHA-256 hash is
kept (a key is 256 random bits: an unsalted hash of it cannot be guessed back), with a short
visible prefix to recognise it by. Each token is `read` (GET, HEAD, OPTIONS) or `read_write`,
expires (90 days unless told, at most 365 days ahead), and remembers when and from which address
it was last used (written at most once a minute, not on every request).

Revoked by its owner, by a manager of an association for the partner accounts bound to it, by
an admin; and all of an account's tokens are revoked when its password changes (by whatever
path: `set_password` and `save`, the reset link, the admin) or the account is deactivated
(`is_active` turned off). Those two are caught once, on the user's `save` (below), not in each
view that can change them. `QuerySet.update()` on users bypasses them, as it bypasses every
signal: nothing in the portal changes passwords or deactivates accounts that way.

The model lives here beside its services; core/models.py imports it so that Django finds it.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import is_admin, scope_of
from core.errors import DomainError
from core.models import Role, User
from core.workflow import record_event

KEY_PREFIX = "rpt_"  # recognisable in logs and by secret scanners
NAME_MAX_LENGTH = 100
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
# last_used_at and last_used_ip are written at most this often per token.
LAST_USED_EVERY = timedelta(minutes=1)


class ApiToken(models.Model):
    class Access(models.TextChoices):
        READ = "read", gettext_lazy("Read only")
        READ_WRITE = "read_write", gettext_lazy("Read and write")

    class RevokeReason(models.TextChoices):
        REVOKED = "revoked", gettext_lazy("revoked by hand")
        SIGNED_OUT = "signed_out", gettext_lazy("revoked with the token itself (sign-out)")
        PASSWORD_CHANGED = "password_changed", gettext_lazy("the account's password changed")
        DEACTIVATED = "deactivated", gettext_lazy("the account was deactivated")
        NAME_REUSED = "name_reused", gettext_lazy("expired, and its name was given to a new token")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_tokens",
        verbose_name=gettext_lazy("account"),
    )
    name = models.CharField(gettext_lazy("name"), max_length=NAME_MAX_LENGTH)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(gettext_lazy("begins with"), max_length=16, editable=False)
    access = models.CharField(
        gettext_lazy("access"), max_length=16, choices=Access.choices, default=Access.READ_WRITE
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
    )
    expires_at = models.DateTimeField(gettext_lazy("expires at"))
    last_used_at = models.DateTimeField(gettext_lazy("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(
        gettext_lazy("last used from"), null=True, blank=True
    )
    revoked_at = models.DateTimeField(gettext_lazy("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("revoked by"),
    )
    revoke_reason = models.CharField(
        gettext_lazy("why revoked"), max_length=20, choices=RevokeReason.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("API token")
        verbose_name_plural = gettext_lazy("API tokens")
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_name_unique_while_live",
                violation_error_message=gettext_lazy("This account has a token of that name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        """Authenticates requests: not revoked, not expired, and its account is active."""
        return self.revoked_at is None and not self.is_expired and self.user.is_active

    @property
    def may_write(self) -> bool:
        return self.access == self.Access.READ_WRITE


# --- keys ------------------------------------------------------------------------------------


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def visible_prefix(key: str) -> str:
    """The start of a key, shown to recognise it: `rpt_` and 8 characters (4 hex digits of a
    key made before named tokens), far too little to guess the rest from."""
    return key[: len(KEY_PREFIX) + 8] if key.startswith(KEY_PREFIX) else key[:8]


# --- reads -----------------------------------------------------------------------------------


def managed_partner_accounts(user) -> QuerySet:
    """The partner accounts whose tokens `user` manages besides their own: those bound to an
    association they manage (all of them, for an admin)."""
    partners = User.objects.filter(role=Role.PARTNER)
    scope = scope_of(user)
    if scope.is_admin:
        return partners
    if not scope.managed_association_ids:
        return partners.none()
    return partners.filter(
        pk__in=User.objects.filter(
            association_links__association_id__in=scope.managed_association_ids
        ).values("pk")
    )


def token_list(*, user, active: bool | None = None) -> QuerySet:
    """The tokens `user` sees: their own; a manager's also those of the partner accounts of the
    associations they manage; an admin's all. `active` narrows to the tokens that work now (or,
    false, to those that do not: revoked, expired or of an inactive account)."""
    if not user or not user.is_authenticated:
        return ApiToken.objects.none()
    tokens = ApiToken.objects.select_related("user")
    if not is_admin(user):
        tokens = tokens.filter(
            Q(user_id=user.pk) | Q(user_id__in=managed_partner_accounts(user).values("pk"))
        )
    if active is not None:
        tokens = tokens.filter(working_now() if active else ~working_now())
    return tokens


def working_now() -> Q:
    """The tokens that authenticate requests now (ApiToken.is_active, as a query)."""
    return Q(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


def token_owners_for(user) -> list:
    """The accounts `user` may make tokens for: themselves first, then the partner accounts they
    manage (by username)."""
    others = managed_partner_accounts(user).filter(is_active=True).exclude(pk=user.pk)
    return [user, *others.order_by("username")]


# --- writes ----------------------------------------------------------------------------------


def _refuse(field: str, message: str):
    raise DomainError(message, fields={field: [message]})


def _checked_expiry(expires_at: datetime | None, now: datetime) -> datetime:
    if expires_at is None:
        return now + DEFAULT_LIFETIME
    if expires_at <= now:
        _refuse("expires_at", _("The expiry must be in the future."))
    if expires_at > now + MAX_LIFETIME:
        _refuse(
            "expires_at",
            _("A token may last at most %(days)d days: choose an expiry before %(latest)s.")
            % {
                "days": MAX_LIFETIME.days,
                "latest": timezone.localtime(now + MAX_LIFETIME).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return expires_at


def _free_name(owner, name: str, *, number_if_taken: bool, now: datetime) -> str:
    """`name`, free among the owner's live tokens. An expired token of that name gives it up
    (it is revoked, saying why); otherwise the name is refused, or numbered (`name (2)`)."""
    live = ApiToken.objects.filter(user=owner, revoked_at__isnull=True)
    for candidate in [name, *(f"{name} ({n})" for n in range(2, 100))]:
        holder = live.filter(name=candidate).first()
        if holder is None:
            return candidate
        if holder.expires_at <= now:
            _revoke(holder, actor=None, reason=ApiToken.RevokeReason.NAME_REUSED, now=now)
            return candidate
        if not number_if_taken:
            _refuse(
                "name",
                _("%(account)s already has a token named “%(name)s”; choose another name.")
                % {"account": owner.username, "name": name},
            )
    _refuse("name", _("Too many tokens of this name; choose another name."))


@transaction.atomic
def token_create(
    *,
    actor,
    name: str,
    access: str = ApiToken.Access.READ_WRITE,
    expires_at: datetime | None = None,
    owner_id: int | None = None,
    number_if_taken: bool = False,
) -> tuple[ApiToken, str]:
    """Make a token for the account `owner_id` (the actor's own unless given: a partner account
    the actor manages); returns it and its key, which is never shown again."""
    if owner_id is None or owner_id == actor.pk:
        accounts = User.objects.filter(pk=actor.pk)
    else:
        accounts = managed_partner_accounts(actor).filter(pk=owner_id)
    # Locked: serialises the names of one account's tokens, and a password change revoking them.
    owner = accounts.select_for_update().first()
    if owner is None:
        _refuse(
            "user",
            _("You may make tokens only for yourself and for the partner accounts you manage."),
        )
    if not owner.is_active:
        _refuse("user", _("This account is deactivated."))
    name = (name or "").strip()
    if not name:
        _refuse("name", _("Give the token a name, to recognise it later (e.g. “HR system”)."))
    if len(name) > NAME_MAX_LENGTH:
        _refuse(
            "name",
            _("A name may have at most %(count)d characters.") % {"count": NAME_MAX_LENGTH},
        )
    if access not in ApiToken.Access.values:
        _refuse("access", _("Access is “read” or “read_write”."))
    now = timezone.now()
    expires_at = _checked_expiry(expires_at, now)
    name = _free_name(owner, name, number_if_taken=number_if_taken, now=now)
    key = new_key()
    token = ApiToken.objects.create(
        user=owner,
        name=name,
        key_hash=hash_key(key),
        prefix=visible_prefix(key),
        access=access,
        created_at=now,
        created_by=actor,
        expires_at=expires_at,
    )
    record_event(
        token,
        "apitoken.created",
        actor=actor,
        changes={
            "name": [None, name],
            "access": [None, access],
            "expires_at": [None, expires_at.isoformat()],
        },
    )
    return token, key


def sign_in_token_create(*, user) -> tuple[ApiToken, str]:
    """The token a person gets for their username and password (`POST /api/v1/auth/token/`):
    read and write, named after the moment, expiring after API_SIGN_IN_TOKEN_DAYS."""
    now = timezone.now()
    return token_create(
        actor=user,
        name=_("sign-in %(time)s") % {"time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")},
        access=ApiToken.Access.READ_WRITE,
        expires_at=now + timedelta(days=settings.API_SIGN_IN_TOKEN_DAYS),
        number_if_taken=True,
    )


def _revoke(token: ApiToken, *, actor, reason: str, now: datetime) -> None:
    token.revoked_at = now
    token.revoked_by = actor if actor is not None and actor.is_authenticated else None
    token.revoke_reason = reason
    token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record_event(
        token,
        "apitoken.revoked",
        actor=actor,
        reason=reason,
        changes={"revoked_at": [None, now.isoformat()]},
    )


@transaction.atomic
def token_revoke(*, actor, token_id: int, reason: str = ApiToken.RevokeReason.REVOKED) -> ApiToken:
    """Revoke a token the actor sees (ApiToken.DoesNotExist otherwise: out of scope is not
    found). Revoking a revoked token changes nothing."""
    token = token_list(user=actor).select_for_update(of=("self",)).get(pk=token_id)
    if token.revoked_at is None:
        _revoke(token, actor=actor, reason=reason, now=timezone.now())
    return token


@transaction.atomic
def tokens_revoke_all(*, user_id: int, reason: str, actor=None) -> int:
    """Revoke every token of an account that is not revoked yet; how many."""
    tokens = list(
        ApiToken.objects.select_for_update().filter(user_id=user_id, revoked_at__isnull=True)
    )
    now = timezone.now()
    for token in tokens:
        _revoke(token, actor=actor, reason=reason, now=now)
    return len(tokens)


# --- use -------------------------------------------------------------------------------------


def token_for_key(key: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def token_mark_used(token: ApiToken, *, address: str | None) -> None:
    """Remember when and from where the token was used, at most once per LAST_USED_EVERY: the
    conditional update lets one of several simultaneous requests write, and the others none."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY))
        .update(last_used_at=now, last_used_ip=address)
    )
    if written:
        token.last_used_at, token.last_used_ip = now, address


# --- a password change or a deactivation revokes the account's tokens -------------------------

_REVOKE_BECAUSE = "_api_tokens_revoke_because"


def _is_rehash(user, update_fields) -> bool:
    """Django's own upgrade of a password's hash at login (`check_password`'s setter): the same
    password hashed anew, saved with `update_fields=["password"]` after `_password` is cleared;
    a password set by `set_password` keeps `_password` until the save."""
    return (
        getattr(user, "_password", None) is None
        and update_fields is not None
        and set(update_fields) == {"password"}
        and user.has_usable_password()
    )


def _note_credentials_change(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    setattr(instance, _REVOKE_BECAUSE, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["is_active"] and not instance.is_active:
        reason = ApiToken.RevokeReason.DEACTIVATED
    elif stored["password"] != instance.password and not _is_rehash(instance, update_fields):
        reason = ApiToken.RevokeReason.PASSWORD_CHANGED
    else:
        return
    setattr(instance, _REVOKE_BECAUSE, reason)


def _revoke_after_credentials_change(sender, instance, raw=False, **kwargs) -> None:
    reason = getattr(instance, _REVOKE_BECAUSE, None)
    if reason and not raw:
        setattr(instance, _REVOKE_BECAUSE, None)
        tokens_revoke_all(user_id=instance.pk, reason=reason)


pre_save.connect(_note_credentials_change, sender=User, dispatch_uid="api_tokens.note_change")
post_save.connect(
    _revoke_after_credentials_change, sender=User, dispatch_uid="api_tokens.revoke_on_change"
)
