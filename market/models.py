"""Marketplace core: users, regions, cooperatives, memberships, dinas officers."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.uploads import RandomFileName, private_storage

nik_validator = RegexValidator(r"^\d{16}$", _("NIK must be exactly 16 digits."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        # Made by the operator on the server (`createsuperuser`), not by signing up.
        fields.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in; identified by e-mail. Roles come from memberships."""

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The language of the mails and notifications the user receives.
    language = models.CharField(
        _("language"), max_length=8, choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        default="id",
    )
    is_staff = models.BooleanField(_("admin site access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # When the owner of `email` followed the link mailed to it; null: not (yet) proven.
    # Invitations are matched by e-mail, so only a verified address may see or answer them.
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._email_as_loaded = user.__dict__.get("email")
        return user

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def save(self, *args, **kwargs):
        # A new password ends every API token (sessions end by Django's own session hash),
        # however it was set: the admin, a page, `manage.py changepassword`.
        password_changed = self._password is not None and self.pk is not None
        # A new address is unproven until its owner follows a link mailed to it, however
        # it was set; the new address is in no verification link sent so far.
        loaded_email = getattr(self, "_email_as_loaded", None)
        if self.pk is not None and loaded_email is not None and self.email != loaded_email:
            self.email_verified_at = None
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "email_verified_at"}
        super().save(*args, **kwargs)
        self._email_as_loaded = self.email
        if password_changed:
            self.auth_token_set.all().delete()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Region(models.Model):
    """A province, regency (kabupaten) or district (kecamatan), by Kemendagri code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        REGENCY = "regency", _("regency")
        DISTRICT = "district", _("district")

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @staticmethod
    def within_q(code: str, field: str = "code") -> Q:
        """Q matching the region with this code and every region below it.

        Kemendagri codes nest by dotted prefix (61 > 61.07 > 61.07.01), so the
        tree is one indexed prefix match, never a recursive query.
        """
        return Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})


class Cooperative(models.Model):
    class Kind(models.TextChoices):
        KONSUMEN = "konsumen", _("consumer")
        PRODUSEN = "produsen", _("producer")
        PEMASARAN = "pemasaran", _("marketing")
        JASA = "jasa", _("services")
        SIMPAN_PINJAM = "simpan_pinjam", _("savings and loans")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")
        SUSPENDED = "suspended", _("suspended")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    # Unique among cooperatives that are not rejected (see Meta): a rejection releases the NIK.
    nik = models.CharField(
        _("NIK (Nomor Induk Koperasi)"), max_length=16, validators=[nik_validator]
    )
    legal_number = models.CharField(_("legal entity number"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="cooperatives",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=32)
    email = models.EmailField(_("e-mail"), blank=True)
    description = models.TextField(_("description"), blank=True)
    logo = models.ImageField(
        _("logo"), upload_to=RandomFileName("cooperatives/logos"), blank=True
    )
    members_count = models.PositiveIntegerField(_("members"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    status_note = models.TextField(_("verification note"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_rat_date = models.DateField(_("last RAT held"), null=True, blank=True)
    # Platform commission on completed sales in basis points (500 = 5 %); blank: the default.
    commission_bp = models.PositiveSmallIntegerField(
        _("commission (basis points)"), null=True, blank=True,
        validators=[MaxValueValidator(10_000)],
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    members = models.ManyToManyField(User, through="Membership", related_name="cooperatives")

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$"), name="cooperative_nik_16_digits"
            ),
            # A NIK belongs to one cooperative at a time; a rejected registration holds none.
            # A stranger's pending registration of a real cooperative's NIK is contested
            # through the dinas, whose rejection frees the NIK for the real one.
            models.UniqueConstraint(
                fields=["nik"], condition=~Q(status="rejected"), name="cooperative_nik_unique",
                violation_error_message=_("This NIK is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED

    @property
    def rat_this_year(self) -> int | None:
        """The current Asia/Jakarta year if the RAT was held in it, else None.

        `last_rat_date` is the latest recorded meeting's day, so this agrees with the
        monitoring's `rat_held_this_year` (a meeting held in `today`'s year).
        """
        year = timezone.localdate().year  # TIME_ZONE is Asia/Jakarta
        if self.last_rat_date is not None and self.last_rat_date.year == year:
            return year
        return None


class Membership(models.Model):
    """A user's role in a cooperative's management (pengurus)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        MANAGER = "manager", _("manager")
        STAFF = "staff", _("staff")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "cooperative"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.cooperative} ({self.role})"


class Invitation(models.Model):
    """The owner's invitation of an e-mail address to the cooperative's management.

    Only accepting it makes a membership; until then nobody learns whether the
    address has an account. A pending invitation past `expires_at` is expired.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))  # stored lower-case
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    # Inviting the same address again renews the pending invitation and sends it again.
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Who accepted or declined it (the account with the invited e-mail).
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "email"], condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            ),
        ]
        indexes = [models.Index(fields=["email", "status"], name="invitation_email_status")]

    def __str__(self) -> str:
        return f"{self.email} → {self.cooperative} ({self.role}, {self.status})"

    def is_expired(self, now) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= now


class DinasOfficer(models.Model):
    """An officer of the cooperative office, overseeing whole regions and what is below them."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="dinas_officer")
    regions = models.ManyToManyField(Region, related_name="officers")
    title = models.CharField(_("title"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("dinas officer")
        verbose_name_plural = _("dinas officers")

    def __str__(self) -> str:
        return str(self.user)


class RatMeeting(models.Model):
    """An annual members' meeting (Rapat Anggota Tahunan) a cooperative held."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="rat_meetings"
    )
    held_on = models.DateField(_("held on"))
    attendance = models.PositiveIntegerField(_("attendance"))
    members_total = models.PositiveIntegerField(
        _("members in total"), validators=[MinValueValidator(1)]
    )
    notes = models.TextField(_("notes"), blank=True)
    # The minutes (notulen), a PDF, private: read only through the minutes view.
    minutes = models.FileField(
        _("minutes"), upload_to=RandomFileName("cooperatives/rat-minutes"),
        storage=private_storage, blank=True,
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("RAT meeting")
        verbose_name_plural = _("RAT meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance__lte=models.F("members_total")),
                name="rat_attendance_within_members",
            ),
            models.UniqueConstraint(fields=["cooperative", "held_on"], name="rat_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"RAT {self.cooperative} {self.held_on}"


class SalesFigures(models.Model):
    """The figures of DailySales and MonthlySales. Net (gross less refunds) is not stored:
    it is `F("gross") - F("refunds")` in any sum, so it cannot drift."""

    # Paid orders, each counted once: on the row of its largest category (see monitoring).
    orders = models.BigIntegerField(_("orders"), default=0)
    items = models.BigIntegerField(_("items"), default=0)
    gross = models.BigIntegerField(_("gross (rupiah)"), default=0)
    refunds = models.BigIntegerField(_("refunds (rupiah)"), default=0)

    class Meta:
        abstract = True

    @property
    def net(self) -> int:
        return self.gross - self.refunds


class DailySales(SalesFigures):
    """The sales figures of one Asia/Jakarta day, cooperative and category.

    Derived from the sale and refund events only (market.monitoring): kept up to
    date in the transaction that writes them, and rebuilt from them on demand.
    `category` null: lines without a category.
    """

    day = models.DateField(_("day"))
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="daily_sales"
    )
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        constraints = [
            # Two partial indexes, because a unique index lets NULLs repeat; the upsert's
            # ON CONFLICT names the one that fits the row.
            models.UniqueConstraint(
                fields=["day", "cooperative", "category"], name="daily_sales_one_per_category",
                condition=Q(category__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["day", "cooperative"], name="daily_sales_one_uncategorised",
                condition=Q(category__isnull=True),
            ),
        ]
        indexes = [
            models.Index(fields=["cooperative", "day"], name="daily_sales_coop_day"),
            models.Index(fields=["category", "day"], name="daily_sales_category_day"),
            # The edge days of a period over all cooperatives (market.selectors): the
            # partial unique indexes cannot serve a range of days alone.
            models.Index(fields=["day"], name="daily_sales_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.cooperative_id}/{self.category_id}"


class MonthlySales(SalesFigures):
    """The sum of a calendar month's DailySales rows of one cooperative and category.

    Kept with them, by the same upsert in the same transaction, and rebuilt from them
    (market.monitoring), so a period's whole months are read from here and only its edge
    days from DailySales: a year is about 12 rows per cooperative and category, whatever
    the orders. `month` is the month's first day.
    """

    month = models.DateField(_("month"))
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="monthly_sales"
    )
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        constraints = [  # as DailySales: one partial unique index per kind of row
            models.UniqueConstraint(
                fields=["month", "cooperative", "category"],
                name="monthly_sales_one_per_category", condition=Q(category__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["month", "cooperative"], name="monthly_sales_one_uncategorised",
                condition=Q(category__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["month"], name="monthly_sales_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.cooperative_id}/{self.category_id}"


class Notification(models.Model):
    """An in-app notification: what the recipient reads in `GET /notifications/`."""

    class Kind(models.TextChoices):
        ORDER_PLACED = "order_placed", _("order placed")
        ORDER_PAID = "order_paid", _("order paid")
        ORDER_ACCEPTED = "order_accepted", _("order accepted")
        ORDER_SHIPPED = "order_shipped", _("order shipped")
        ORDER_DELIVERED = "order_delivered", _("order delivered")
        ORDER_CANCELLED = "order_cancelled", _("order cancelled")
        ORDER_REFUNDED = "order_refunded", _("order refunded")
        REFUND_FAILED = "refund_failed", _("refund failed")
        LOW_STOCK = "low_stock", _("low stock")
        COOPERATIVE_VERIFIED = "cooperative_verified", _("cooperative verified")
        COOPERATIVE_REJECTED = "cooperative_rejected", _("cooperative rejected")
        COOPERATIVE_SUSPENDED = "cooperative_suspended", _("cooperative suspended")
        COOPERATIVE_PENDING = "cooperative_pending", _("cooperative waiting for verification")
        MEMBER_INVITED = "member_invited", _("invitation to a cooperative's staff")
        MONTHLY_REPORT = "monthly_report", _("monthly report")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True),
                         name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationDelivery(models.Model):
    """One notification to one recipient on one channel: the guard of "exactly once".

    `source` names what it tells (`event:<pk>`, `low_stock:<cooperative>:<day>`,
    `monthly_report:<month>:<region>`): the unique key makes a second fan-out of the
    same thing find the row instead of sending again.
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("in-app")
        EMAIL = "email", _("e-mail")
        GATEWAY = "gateway", _("WhatsApp/SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    source = models.CharField(_("source"), max_length=100)
    event = models.ForeignKey(
        "events.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=Notification.Kind.choices)
    # What the message says, language-neutral: rendered in the recipient's language when sent.
    data = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The worker's task that sends it (none for in-app, stored at once).
    outbox_task = models.ForeignKey(
        "events.OutboxTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(fields=["source", "recipient", "channel"],
                                    name="notification_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]

    def __str__(self) -> str:
        return f"{self.source} → {self.recipient_id} ({self.channel}, {self.status})"


class NotificationPreference(models.Model):
    """A user's choice for one kind on one channel; without a row, the default holds."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Notification.Kind.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=NotificationDelivery.Channel.choices
    )
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"],
                                    name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {self.enabled}"
