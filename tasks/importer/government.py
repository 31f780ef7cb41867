"""The issuing government of a plan and the government of each unit it names.

Pure Python like the rest of the importer: the known regions come in as plain
`KnownRegion` rows (the caller reads them from the database), nothing is looked up.

A plan's government is read from three places of the document: the 文号 prefix
(`州政发` → a 自治州, `湘政办发` → the region whose 文号简称 is 湘, `冷优组发` → 冷水滩区),
the issuer/signature line (`湘潭市人民政府办公室`) and the place name the title starts
with (`襄阳市更大力度…`). Each source votes; the region with most votes wins, and a
tie between different regions or no vote at all leaves the government undetermined.
"""

import re
from dataclasses import dataclass, field

from .units import is_collective_unit_name

# Suffixes of region names, longest first; the stem (湘潭 of 湘潭市) is a name too.
_REGION_SUFFIXES = (
    "土家族苗族自治州",
    "自治州",
    "自治县",
    "省",
    "市",
    "州",
    "县",
    "区",
    "盟",
    "旗",
)
_LEVEL_DEPTH = {"province": 0, "city": 1, "county": 2}
# First characters of relative unit names (市行政审批局) and 文号 (州政发): the government
# they mean is the one whose name ends so (省 for a province).
RELATIVE_PREFIXES = "省市州盟县区旗"
_DOC_NUMBER_ORG_RE = re.compile(r"^(?P<org>[\u4e00-\u9fff]{1,12})〔")

# Weights of each kind of evidence for a plan's government.
_ISSUER_VOTE = 3
_TITLE_VOTE = 2
_DOC_NUMBER_VOTE = 2
_MENTION_VOTE = 1


@dataclass(frozen=True)
class KnownRegion:
    """What the importer needs to know about a region (a `regions.Region` row)."""

    code: str
    name: str
    short_name: str = ""
    abbreviation: str = ""
    level: str = "county"
    parent_code: str = ""

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


@dataclass
class GovernmentGuess:
    """The government found for a plan: its code (None when undetermined) and why."""

    code: str | None = None
    name: str = ""
    evidence: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # names tied when ambiguous


def _is_called(region: KnownRegion, prefix: str) -> bool:
    """Whether a relative 省/市/州/县/区 means `region` (市 is never a province)."""
    if prefix == "省":
        return region.level == "province"
    return region.level != "province" and region.name.endswith(prefix)


def _stem(name: str) -> str:
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def region_spellings(region: KnownRegion) -> set[str]:
    """Ways a document writes the region: 湘西土家族苗族自治州, 湘西州, 湘西自治州, 湘西."""
    spellings = {region.name}
    if region.short_name:
        spellings.add(region.short_name)
    for name in (region.name, region.short_name):
        stem = _stem(name) if name else ""
        if stem:
            spellings.add(stem)
            if name.endswith("州") or "自治州" in region.name:
                spellings.add(stem + "自治州")
    return {spelling for spelling in spellings if len(spelling) >= 2}


class RegionIndex:
    """Known regions with their spellings, for finding places in names and titles."""

    def __init__(self, regions):
        self.regions = list(regions)
        self.by_code = {region.code: region for region in self.regions}
        self.pks: dict[str, int] = {}  # filled by the caller that knows the database ids
        self._spellings: list[tuple[str, KnownRegion]] = sorted(
            (
                (spelling, region)
                for region in self.regions
                for spelling in region_spellings(region)
            ),
            key=lambda item: (-len(item[0]), _LEVEL_DEPTH.get(item[1].level, 2), item[1].code),
        )

    def ancestors(self, region: KnownRegion) -> list[KnownRegion]:
        """The region itself, then its parent, grandparent…"""
        chain = []
        while region is not None and region not in chain:
            chain.append(region)
            region = self.by_code.get(region.parent_code)
        return chain

    def province_of(self, region: KnownRegion) -> KnownRegion:
        return self.ancestors(region)[-1]

    def _best(self, matches: list[tuple[str, KnownRegion]], within=None) -> KnownRegion | None:
        """The longest spelling wins; equal lengths prefer `within`'s province, then higher levels."""
        if not matches:
            return None
        longest = len(matches[0][0])
        tied = [region for spelling, region in matches if len(spelling) == longest]
        if within is not None:
            province = self.province_of(within)
            same = [r for r in tied if self.province_of(r) == province]
            tied = same or tied
        return tied[0]

    def _place_at(self, text: str, within=None) -> tuple[KnownRegion | None, int]:
        matches = [(s, r) for s, r in self._spellings if text.startswith(s)]
        best = self._best(matches, within)
        return best, (len(matches[0][0]) if best else 0)

    def place_at_start(self, text: str, within=None) -> KnownRegion | None:
        """The region a text starts with (湘潭市… → 湘潭市; 永州市冷水滩区… → 冷水滩区)."""
        place, length = self._place_at(text, within)
        while place is not None:
            deeper, more = self._place_at(text[length:], place)
            if deeper is None or place not in self.ancestors(deeper)[1:]:
                break
            place, length = deeper, length + more
        return place

    def places_in(self, text: str) -> list[KnownRegion]:
        """Regions named anywhere in a text, longest spellings first, without overlaps."""
        found: list[KnownRegion] = []
        taken: list[tuple[int, int]] = []
        for spelling, region in self._spellings:
            start = text.find(spelling)
            while start >= 0:
                end = start + len(spelling)
                if not any(start < t_end and t_start < end for t_start, t_end in taken):
                    taken.append((start, end))
                    if region not in found:
                        found.append(region)
                start = text.find(spelling, end)
        return found

    def place_in(self, text: str, within=None) -> KnownRegion | None:
        """The region named in a text; among same-length spellings, one in `within`'s province."""
        matches = [(s, r) for s, r in self._spellings if s in text]
        return self._best(matches, within)


def detect_government(*, doc_number: str, issuer: str, title: str, regions) -> GovernmentGuess:
    """The government that issued a plan, from its 文号, issuer line and title."""
    index = regions if isinstance(regions, RegionIndex) else RegionIndex(regions)
    votes: dict[str, int] = {}
    evidence: dict[str, list[str]] = {}

    def vote(region: KnownRegion, weight: int, reason: str) -> None:
        votes[region.code] = votes.get(region.code, 0) + weight
        evidence.setdefault(region.code, []).append(reason)

    for part in re.split(r"\s+", issuer or ""):
        place = index.place_at_start(part.removeprefix("中共")) if part else None
        if place:
            vote(place, _ISSUER_VOTE, f"发文单位“{part}”")
    title_place = index.place_at_start(title or "")
    if title_place:
        vote(title_place, _TITLE_VOTE, f"标题以“{title_place.display_name}”开头")
    mentioned = index.places_in(title or "")
    for place in mentioned:
        if place != title_place:
            vote(place, _MENTION_VOTE, f"标题提到“{place.display_name}”")

    match = _DOC_NUMBER_ORG_RE.match(doc_number or "")
    if match:
        first = match["org"][0]
        by_abbreviation = [r for r in index.regions if r.abbreviation == first]
        if len(by_abbreviation) > 1 and votes:
            # The same character in two provinces' lists: keep those the document names.
            by_abbreviation = [r for r in by_abbreviation if r.code in votes] or by_abbreviation
        if len(by_abbreviation) == 1:
            vote(by_abbreviation[0], _DOC_NUMBER_VOTE, f"文号“{doc_number}”")
        elif first in RELATIVE_PREFIXES:
            # 州政发 / 市政办发 / 县政发: the issuer is a government of that kind.
            for code in list(votes):
                if _is_called(index.by_code[code], first):
                    vote(index.by_code[code], _DOC_NUMBER_VOTE, f"文号“{doc_number}”")

    guess = GovernmentGuess()
    # A 文号 character alone is not enough (永政办发 may be 永州市's or an unknown 永宁县's):
    # the issuer or the title must name the place.
    named = {code for code, reasons in evidence.items() if not all("文号" in r for r in reasons)}
    votes = {code: count for code, count in votes.items() if code in named}
    if not votes:
        return guess
    best = max(votes.values())
    winners = [code for code, count in votes.items() if count == best]
    if len(winners) > 1:
        guess.candidates = [index.by_code[code].display_name for code in winners]
        return guess
    winner = index.by_code[winners[0]]
    guess.code, guess.name, guess.evidence = winner.code, winner.display_name, evidence[winner.code]
    return guess


def unit_government(name: str, plan_region: KnownRegion | None, regions) -> KnownRegion | None:
    """The government a unit named in a plan of `plan_region` belongs to.

    A relative name (市行政审批局, 省政务局, 州市场监督管理局, 区发改局) or a collective one
    (各县市人民政府) is the plan's government, or the ancestor of the level its first
    character names (市X局 in a district's plan is its city's bureau). A name that
    carries a known place (人民银行湘西州中心支行, 国网湘西供电公司, 湘潭市X局) belongs
    to that place. Anything else belongs to the plan's government.
    """
    if plan_region is None:
        return None
    index = regions if isinstance(regions, RegionIndex) else RegionIndex(regions)
    if is_collective_unit_name(name):
        return plan_region
    place = index.place_at_start(name, within=plan_region)
    if place is not None:
        return place
    if name[:1] and name[0] in RELATIVE_PREFIXES:
        for region in index.ancestors(plan_region):
            if _is_called(region, name[0]):
                return region
        return plan_region
    return index.place_in(name, within=plan_region) or plan_region
