"""A lead's matching keys: registrable domain and folded company name, as the warehouse folds accounts'.

dbt_project/macros/matching.sql folds account names and websites in SQL, set-based over every
account; this module folds the few leads of a routing pass the same way, step for step, so the
two meet on equal keys (tests/test_matching.py compares both on the fixture). Domains go through
the Public Suffix List that tldextract bundles, read offline: no list is ever fetched.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

import tldextract

from bookflow import paths

# The same letters and the same order as the translate() in macros/matching.sql.
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěğìíîïīįıłñńňòóôõöøōőœŕřśšşßťùúûüūůűųýÿźžż"
_PLAIN = "aaaaaaaaacccdeeeeeeeegiiiiiiilnnnooooooooorrsssstuuuuuuuuyyzzz"
_FOLD = str.maketrans(_ACCENTED, _PLAIN)
_DROPPED = re.compile(r"[.’']")
_CJK_LEGAL_FORMS = re.compile(r"(株式会社|有限会社|合同会社)")
_LEGAL_AND_FILLER = frozenset(
    "inc incorporated corp corporation co company llc ltd limited gmbh mbh ag sa sas sarl srl spa bv nv plc "
    "pty pte oy ab kk kg lp llp the and ооо оао зао пао".split()
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_AFTER_HOST = re.compile(r"[/?#].*$")
_USER_PORT_DOT = re.compile(r"^.*@|:[0-9]*$|[.]$")
_ONLY_DIGITS_AND_DOTS = re.compile(r"^[0-9.]*$")

FREE_MAIL_FILE = paths.DBT_PROJECT_DIR / "reference" / "free_mail_domains.csv"


def fold_company_name(name: str | None) -> str:
    """Lower case, Latin accents folded, dots and apostrophes dropped, other punctuation a space,
    legal forms (Inc., GmbH, S.A., 株式会社...) and filler words removed, spaces collapsed."""
    if not name:
        return ""
    text = _DROPPED.sub("", name.lower().translate(_FOLD))
    text = _CJK_LEGAL_FORMS.sub(" ", text)
    # Letters and digits of any script stay (\p{L}\p{N} in the warehouse); anything else is a space.
    text = "".join(char if char.isalnum() or char == " " else " " for char in text)
    return " ".join(word for word in text.split() if word not in _LEGAL_AND_FILLER)


def name_blocks(folded: str) -> tuple[str | None, str | None, str | None]:
    """The blocking keys of a folded name: the first four letters of each of its first three
    words, by position (None for a missing word or one of a single letter)."""
    words = [*folded.split(" ")[:3], "", ""][:3]
    first, second, third = (word[:4] if len(word) >= 2 else None for word in words)
    return first, second, third


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled snapshot only (no URLs, no cache directory): offline and the same on every machine.
    # ICANN suffixes only, as dbt_project/reference/public_suffixes.csv holds.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


@cache
def free_mail_domains() -> frozenset[str]:
    with FREE_MAIL_FILE.open(newline="", encoding="utf-8") as handle:
        return frozenset(row["domain"].strip().lower() for row in csv.DictReader(handle))


def web_host(address: str | None) -> str:
    """The host of a web address or the domain of an e-mail address, lower case."""
    if not address:
        return ""
    host = _SCHEME.sub("", address.strip().lower())
    host = _AFTER_HOST.sub("", host)
    return _USER_PORT_DOT.sub("", host)


def registrable_domain(address: str | None) -> str | None:
    """acme.co.uk for https://www.shop.acme.co.uk/x or jane@mail.acme.co.uk; None for free-mail
    providers, IP addresses and anything without a registrable domain."""
    host = web_host(address)
    if not host or _ONLY_DIGITS_AND_DOTS.match(host):
        return None
    domain = _extractor()(host).top_domain_under_public_suffix
    if not domain or domain in free_mail_domains():
        return None
    return domain


@dataclass(frozen=True)
class LeadKeys:
    """What a lead is looked up and scored by."""

    domain: str | None
    domain_source: str | None  # 'email' or 'website'
    folded_name: str
    blocks: tuple[str | None, str | None, str | None]
    country: str | None
    employees: int | None


def lead_keys(
    *,
    email: str | None,
    website: str | None,
    company_name: str | None,
    country: str | None,
    employees: int | None,
) -> LeadKeys:
    """A lead's keys: the company's own domain (its website first, else the e-mail's), its folded name."""
    domain, source = registrable_domain(website), "website"
    if domain is None:
        domain, source = registrable_domain(email.rpartition("@")[2] if email and "@" in email else None), "email"
    folded = fold_company_name(company_name)
    return LeadKeys(
        domain=domain,
        domain_source=source if domain else None,
        folded_name=folded,
        blocks=name_blocks(folded),
        country=country.strip().upper() or None if country else None,
        employees=employees,
    )
