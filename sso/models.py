"""The municipality's identity providers, as data its administrator edits.

One provider per municipality and audience (staff, citizens): the issuer, the client id, the
scopes, which claims carry what, which `amr`/`acr` values count as two factors, the claim that
links a first sign-in to a user the administrator created, whether unknown users are created, and
the table that maps the provider's groups to roles, institutions and districts. The client secret
is never here: it comes from the environment or a secret file (`sso.secrets`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from haandguide.models import District, Institution, Municipality, Role


class Audience(models.TextChoices):
    STAFF = "personale", "Medarbejdere"
    CITIZEN = "borger", "Borgere (forældreportalen)"


class Protocol(models.TextChoices):
    OIDC = "oidc", "OpenID Connect"
    # SAML 2.0 (KOMBIT's Context Handler, OIOSAML 3) slots in here: see the README.


class MfaClaim(models.TextChoices):
    AMR = "amr", "amr (godkendelsesmetoder)"
    ACR = "acr", "acr (sikringsniveau)"


def _values(text: str) -> list[str]:
    return [v.strip() for v in (text or "").replace("\n", ",").split(",") if v.strip()]


class IdentityProvider(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="identity_providers",
                                     verbose_name="kommune")
    audience = models.CharField("hvem logger ind", max_length=10, choices=Audience.choices, default=Audience.STAFF)
    protocol = models.CharField("protokol", max_length=10, choices=Protocol.choices, default=Protocol.OIDC)
    name = models.CharField("navn på knappen", max_length=100,
                            help_text="Vises på login-siden, fx \u201dLog ind med Haderslev Kommunes login\u201d.")
    slug = models.SlugField(
        "kort navn", max_length=40, unique=True,
        help_text="Indgår i adresserne (redirect-URI) og i navnet på klienthemmeligheden: "
                  "miljøvariablen SSO_CLIENT_SECRET_<KORT_NAVN> eller filen <SSO_SECRETS_DIR>/<kort-navn>.")
    active = models.BooleanField("aktiv", default=True)
    issuer = models.URLField("udsteder (issuer)", max_length=300,
                             help_text="Fx https://login.microsoftonline.com/<tenant>/v2.0. "
                                       "Discovery hentes fra <issuer>/.well-known/openid-configuration.")
    client_id = models.CharField("klient-id", max_length=200)
    scopes = models.CharField("scopes", max_length=300, default="openid email profile",
                              validators=[RegexValidator(r"(^|\s)openid(\s|$)", "Scopes skal indeholde openid.")])
    link_claim = models.CharField(
        "claim der kobler første login", max_length=50, default="email",
        help_text="Ved første login kobles personen til den bruger, administratoren har oprettet, "
                  "hvis brugerens e-mail (eller brugernavn for upn/preferred_username) er lig dette claim.")
    email_claim = models.CharField("claim med e-mail", max_length=50, default="email")
    given_name_claim = models.CharField("claim med fornavn", max_length=50, default="given_name")
    family_name_claim = models.CharField("claim med efternavn", max_length=50, default="family_name")
    groups_claim = models.CharField("claim med grupper", max_length=50, default="groups", blank=True)
    cpr_claim = models.CharField("claim med CPR-nummer", max_length=100, blank=True,
                                 help_text="Kun for borgere (forældreportalen): det claim, der bærer personens "
                                           "CPR-nummer fra MitID/NemLog-in.")
    mfa_claim = models.CharField("claim der viser to faktorer", max_length=3, choices=MfaClaim.choices,
                                 default=MfaClaim.AMR)
    mfa_values = models.CharField(
        "godkendte værdier", max_length=500, default="mfa",
        help_text="Kommasepareret. Entra ID: mfa. NSIS betydelig (acr): "
                  "https://data.gov.dk/concept/core/nsis/loa/Substantial. Mindst én skal optræde i tokenet.")
    auto_create = models.BooleanField(
        "opret ukendte brugere", default=False,
        help_text="Kun hvis kommunen har valgt det: en ukendt person, hvis grupper er tilknyttet en rolle, "
                  "oprettes ved første login. Ellers skal administratoren oprette brugeren først.")
    end_session = models.BooleanField("log også ud hos udbyderen", default=True)

    class Meta:
        verbose_name = "identitetsudbyder"
        verbose_name_plural = "identitetsudbydere"
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "audience"], condition=models.Q(active=True),
                                    name="sso_one_active_provider_per_audience"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if not _values(self.mfa_values):
            raise ValidationError({"mfa_values": "Angiv mindst én værdi, der viser to faktorer."})
        self.issuer = (self.issuer or "").rstrip("/")

    @property
    def accepted_mfa_values(self) -> list[str]:
        return _values(self.mfa_values)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class GroupMapping(models.Model):
    """A group from the provider's group claim gives a role, institutions and districts; the
    mapping is re-applied at every sign-in. Several groups may match: the lowest order gives the
    role, institutions and districts are the union."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="group_mappings",
                                 verbose_name="identitetsudbyder")
    group = models.CharField("gruppe (værdi i claimet)", max_length=200)
    role = models.CharField("rolle", max_length=20, choices=Role.choices)
    institutions = models.ManyToManyField(Institution, blank=True, related_name="+", verbose_name="institutioner")
    districts = models.ManyToManyField(District, blank=True, related_name="+", verbose_name="distrikter")
    order = models.PositiveSmallIntegerField("rækkefølge", default=10,
                                             help_text="Matcher flere grupper, giver den laveste rolle.")

    class Meta:
        verbose_name = "gruppe → rolle"
        verbose_name_plural = "grupper → roller"
        ordering = ["order", "group"]
        constraints = [models.UniqueConstraint(fields=["provider", "group"], name="sso_group_once_per_provider")]

    def __str__(self) -> str:
        return f"{self.group} → {self.get_role_display()}"


class ExternalIdentity(models.Model):
    """A staff user as the provider knows them: matched on issuer + sub at every sign-in. Unique per
    provider, not per issuer: KOMBIT's Context Handler is one issuer for every municipality, and a
    consultant may work for two."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="identities",
                                 verbose_name="identitetsudbyder")
    issuer = models.CharField("udsteder", max_length=300)
    subject = models.CharField("sub", max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities",
                             verbose_name="bruger")
    linked_at = models.DateTimeField("koblet", auto_now_add=True)
    last_sign_in = models.DateTimeField("seneste login", null=True, blank=True)

    class Meta:
        verbose_name = "ekstern identitet"
        verbose_name_plural = "eksterne identiteter"
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="sso_subject_once_per_provider")]
        indexes = [models.Index(fields=["issuer", "subject"], name="sso_identity_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.user} ({self.provider})"
