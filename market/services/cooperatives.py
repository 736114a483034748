"""Write use cases of cooperatives: registration, the profile, the dinas decision, RAT records."""

import datetime
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event
from events.record import event_record
from market.documents import InvalidDocument, pdf_clean
from market.errors import (
    InvalidInput,
    NikTaken,
    NotFound,
)
from market.images import InvalidImage, image_clean
from market.models import Cooperative, Membership, RatMeeting, Region, User
from market.policies import (
    can_manage_cooperative,
    can_verify_cooperative,
    ensure,
)
from market.slugs import save_with_unique_slug, unique_slug

COOPERATIVE_PROFILE_FIELDS = frozenset(
    {"name", "legal_number", "kind", "address", "phone", "email", "description",
     "members_count", "logo"}
)


def _nik_holder(nik: str, *, other_than: int | None = None) -> Cooperative | None:
    """The cooperative holding the NIK: any that is not rejected (the rule of the
    `cooperative_nik_unique` constraint). A stranger's pending registration of a
    real cooperative's NIK is contested through the dinas, whose rejection frees it."""
    holders = Cooperative.objects.filter(nik=nik).exclude(status=Cooperative.Status.REJECTED)
    return holders.exclude(pk=other_than).first()


def _district(code: str) -> Region:
    region = Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()
    if region is None:
        raise InvalidInput(fields={"region": _("Unknown district (kecamatan) code: %s") % code})
    return region


@transaction.atomic
def cooperative_register(
    *,
    owner: User,
    name: str,
    nik: str,
    legal_number: str,
    kind: str,
    region: str,
    address: str,
    phone: str,
    email: str = "",
    description: str = "",
    members_count: int = 0,
) -> Cooperative:
    """A logged-in user registers a cooperative, becomes its owner, and awaits verification."""
    cooperative = Cooperative(
        name=name,
        slug=unique_slug(Cooperative, name),  # for full_clean; saved under a free one below
        nik=nik,
        legal_number=legal_number,
        kind=kind,
        region=_district(region),
        address=address,
        phone=phone,
        email=email,
        description=description,
        members_count=members_count,
        status=Cooperative.Status.PENDING,
    )
    if _nik_holder(nik) is not None:
        raise InvalidInput(fields={"nik": _("This NIK is already registered.")})
    cooperative.full_clean()
    try:
        save_with_unique_slug(cooperative, name)
    except IntegrityError as error:  # a concurrent registration of the same NIK won
        if _nik_holder(nik) is not None:
            raise InvalidInput(fields={"nik": _("This NIK is already registered.")}) from error
        raise
    Membership.objects.create(user=owner, cooperative=cooperative, role=Membership.Role.OWNER)
    event_record(kind=Event.Kind.COOPERATIVE_REGISTERED, at=timezone.now(), actor=owner,
                 cooperative=cooperative)
    return cooperative


@transaction.atomic
def cooperative_update(*, actor: User, cooperative: Cooperative, **fields) -> Cooperative:
    """Owner or manager edits the storefront profile (never status, NIK or region)."""
    ensure(can_manage_cooperative(actor, cooperative))
    unknown = set(fields) - COOPERATIVE_PROFILE_FIELDS
    if unknown:
        raise InvalidInput(fields={name: _("This field cannot be changed.") for name in unknown})
    if fields.get("logo"):
        try:
            fields["logo"] = image_clean(fields["logo"])
        except InvalidImage as error:
            raise InvalidInput(fields={"logo": str(error)}) from error
    # Lock and reload: a dinas decision or a RAT record may have landed meanwhile.
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    for name, value in fields.items():
        setattr(cooperative, name, value)
    cooperative.full_clean()
    cooperative.save(update_fields=[*fields, "updated_at"])
    return cooperative


DECISION_EVENTS = {
    Cooperative.Status.VERIFIED: Event.Kind.COOPERATIVE_VERIFIED,
    Cooperative.Status.REJECTED: Event.Kind.COOPERATIVE_REJECTED,
    Cooperative.Status.SUSPENDED: Event.Kind.COOPERATIVE_SUSPENDED,
}


VERIFY_DECISIONS = tuple(DECISION_EVENTS)


@transaction.atomic
def cooperative_verify(
    *, actor: User, cooperative: Cooperative, decision: str, note: str = "",
    now: datetime.datetime | None = None,
) -> Cooperative:
    """A dinas officer in scope verifies, rejects or suspends a cooperative.

    The decision it already has changes nothing and tells nobody again.
    """
    ensure(can_verify_cooperative(actor, cooperative))
    if decision not in VERIFY_DECISIONS:
        raise InvalidInput(fields={"decision": _("Must be verified, rejected or suspended.")})
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    if cooperative.status == decision:
        return cooperative
    # A rejection released the NIK; another registration may hold it by now.
    if cooperative.status == Cooperative.Status.REJECTED and _nik_holder(
        cooperative.nik, other_than=cooperative.pk
    ):
        raise NikTaken()
    now = now or timezone.now()
    cooperative.status = decision
    cooperative.status_note = note
    cooperative.status_changed_at = now
    cooperative.status_changed_by = actor
    cooperative.save(
        update_fields=["status", "status_note", "status_changed_at", "status_changed_by",
                       "updated_at"]
    )
    event_record(kind=DECISION_EVENTS[decision], at=now, actor=actor, cooperative=cooperative,
                 note=note)
    return cooperative


@transaction.atomic
def rat_record(
    *,
    actor: User,
    cooperative: Cooperative,
    held_on: datetime.date,
    attendance: int,
    members_total: int,
    notes: str = "",
    minutes: UploadedFile | None = None,
) -> RatMeeting:
    """Owner or manager records an annual members' meeting (RAT), with its minutes if given."""
    ensure(can_manage_cooperative(actor, cooperative))
    if held_on > timezone.localdate():
        raise InvalidInput(fields={"held_on": _("A RAT cannot be recorded before it is held.")})
    if attendance > members_total:
        raise InvalidInput(fields={"attendance": _("Cannot exceed the members in total.")})
    meeting = RatMeeting(
        cooperative=cooperative,
        held_on=held_on,
        attendance=attendance,
        members_total=members_total,
        notes=notes,
        recorded_by=actor,
    )
    if minutes:
        meeting.minutes = _rat_minutes_clean(minutes)
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as error:
        if meeting.minutes:  # stored before the insert was refused
            meeting.minutes.storage.delete(meeting.minutes.name)
        raise InvalidInput(
            fields={"held_on": _("A RAT on this day is already recorded.")}
        ) from error
    # The latest meeting says when the RAT was last held and how many members there are.
    Cooperative.objects.filter(pk=cooperative.pk).filter(
        Q(last_rat_date__isnull=True) | Q(last_rat_date__lte=held_on)
    ).update(last_rat_date=held_on, members_count=members_total)
    return meeting


@transaction.atomic
def rat_minutes_attach(
    *, actor: User, cooperative: Cooperative, meeting_pk: int, minutes: UploadedFile
) -> RatMeeting:
    """Owner or manager attaches the minutes to a recorded RAT, or replaces them.

    The replaced file is deleted once the change is committed.
    """
    ensure(can_manage_cooperative(actor, cooperative))
    cleaned = _rat_minutes_clean(minutes)  # before the meeting is locked
    meeting = (
        RatMeeting.objects.select_for_update().filter(cooperative=cooperative, pk=meeting_pk)
        .first()
    )
    if meeting is None:
        raise NotFound()
    replaced = meeting.minutes.name
    meeting.minutes.save(cleaned.name, cleaned, save=False)
    meeting.save(update_fields=["minutes"])
    if replaced:
        transaction.on_commit(partial(meeting.minutes.storage.delete, replaced), robust=True)
    return meeting


def _rat_minutes_clean(upload: UploadedFile) -> ContentFile:
    try:
        return pdf_clean(upload, max_bytes=settings.RAT_MINUTES_MAX_BYTES)
    except InvalidDocument as error:
        raise InvalidInput(fields={"minutes": str(error)}) from error
