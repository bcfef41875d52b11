"""A deterministic corpus of enriched articles for search tests and the search benchmark.

Written for this project: short Indonesian news texts assembled from sentence parts, so
that the corpus holds what search must get right: many regions (regencies, cities, whole
provinces, none), outlets, dates (ties and unknown dates included), stories syndicated to
several outlets (``duplicate_of`` set on the later copies), stemming variants
("mengimbau"/"imbauan", "melanggar"/"pelanggaran", "netral"/"netralitas"), hyphenated
words, numbers with dots and words with apostrophes. The enrichment is set by the
generator, not computed, so each article's region, labels and story are known.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pantau.enrich.region.gazetteer import load_gazetteer
from pantau.schema import (
    Article,
    Dedup,
    Enrichment,
    Region,
    RegionTags,
    Relevance,
    article_id,
)

SITES = ("memorandum", "radarjember", "jatimkini", "kaltengpos", "lombokpost", "suarabanyumas", "kabarmakassar")
#: Primary regions (None: the tagger found none).
REGIONS = (
    "35.09",  # Kabupaten Jember
    "35.08",  # Kabupaten Lumajang
    "35.06",  # Kabupaten Kediri
    "35.71",  # Kota Kediri
    "35.23",  # Kabupaten Tuban
    "35",  # Jawa Timur, province-wide
    "33.02",  # Kabupaten Banyumas
    "62.01",  # Kabupaten Kotawaringin Barat
    "62.07",  # Kabupaten Seruyan
    "62",  # Kalimantan Tengah, province-wide
    "52.03",  # Kabupaten Lombok Timur
    "73.71",  # Kota Makassar
    "32.73",  # Kota Bandung
    None,
)
START = datetime(2024, 8, 1, 1, 0, tzinfo=UTC)

# (actor type, the actor as written, the canonical actor term)
ACTORS = (
    ("village", "Kepala desa", "kepala desa"),
    ("village", "Kades", "kepala desa"),
    ("village", "Perangkat desa", "perangkat desa"),
    ("camat_lurah", "Lurah", "lurah"),
    ("camat_lurah", "Camat", "camat"),
    ("asn", "ASN", "asn"),
    ("asn", "Aparatur sipil negara", "aparatur sipil negara"),
    ("honorer", "Tenaga honorer", "honorer"),
    ("pppk", "Pegawai PPPK", "pppk"),
)
# (sentence, neutrality terms, oversight terms, stage)
CONDUCT: tuple[tuple[str, list[str], list[str], str | None], ...] = (
    ("{actor} di {place} diimbau menjaga netralitas selama Pilkada 2024.", ["netralitas"], [], "appeal"),
    ("Bupati mengimbau {actor_lower} tetap netral menjelang pemungutan suara.", ["netral"], [], "appeal"),
    (
        "Imbauan Bawaslu agar {actor_lower} menjaga kenetralan disampaikan di {place}.",
        ["netral"],
        ["bawaslu"],
        "appeal",
    ),
    (
        "{actor} di {place} dilaporkan ke Bawaslu karena diduga melanggar netralitas.",
        ["netralitas"],
        ["bawaslu", "laporan"],
        "report",
    ),
    (
        "Bawaslu menerima laporan pelanggaran netralitas oleh {actor_lower} di {place}.",
        ["netralitas"],
        ["bawaslu", "laporan"],
        "report",
    ),
    (
        "{actor} di {place} dijatuhi sanksi karena ikut kampanye pasangan calon.",
        ["ikut kampanye"],
        ["sanksi"],
        "sanction",
    ),
    (
        "Sanksi teguran diberikan kepada {actor_lower} yang terbukti berpolitik praktis.",
        ["politik praktis"],
        ["sanksi"],
        "sanction",
    ),
    ("{actor} di {place} mengikuti apel netralitas di halaman kantor bupati.", ["netralitas"], [], None),
)
OFF_TOPIC = (
    "Harga cabai di pasar {place} naik menjelang akhir pekan.",
    "Banjir merendam puluhan rumah warga {place} setelah hujan deras.",
    "Pemerintah {place} membuka pendaftaran beasiswa untuk 10.000 pelajar.",
    "Warga {place} menggelar Jum'at bersih di sepanjang bantaran sungai.",
    "Layanan e-KTP di {place} dibuka hingga malam hari selama pekan ini.",
)
FILLER = (
    "Kegiatan itu dihadiri tokoh masyarakat dan perwakilan pemerintah daerah.",
    "Warga berharap suasana tetap kondusif hingga hari pemungutan suara.",
    "Panitia pengawas kecamatan akan terus memantau kegiatan di lapangan.",
    "Petugas mencatat setiap kejadian dalam laporan harian.",
    "Kegiatan berlangsung sejak pagi hingga siang hari.",
    "Pilkada-2024 diikuti tiga pasangan calon bupati.",
)
# A few stories copied by other outlets, each copy slightly edited.
COPY_INTROS = ("", "Menurut keterangan resmi, ", "Dikutip dari rilis Bawaslu, ")


def _region(code: str | None) -> Region | None:
    return load_gazetteer().region(code) if code else None


def _place(region: Region | None) -> str:
    if region is None:
        return "daerah itu"
    return region.name.replace("Kabupaten ", "").replace("Kota ", "")


def _article(
    n: int,
    site: str,
    title: str,
    body: str,
    published: datetime | None,
    region: Region | None,
    relevance: Relevance,
    cluster: str | None = None,
    duplicate_of: str | None = None,
) -> Article:
    url = f"https://{site}.example.id/berita/{n}/{'-'.join(title.lower().split()[:5])}"
    aid = article_id(url)
    scope = "unknown" if region is None else ("province" if region.type == "provinsi" else "regency")
    enrichment = Enrichment(
        enriched_at=(published or START) + timedelta(minutes=5),
        dedup=Dedup(
            content_hash=f"{n:064x}",
            cluster_id=cluster or aid,
            duplicate_of=duplicate_of,
            method="near" if duplicate_of else None,
            similarity=0.8 if duplicate_of else None,
        ),
        region=RegionTags(primary=region, mentioned=[region] if region else [], scope=scope),
        relevance=relevance,
    )
    return Article(
        id=aid,
        url=url,
        canonical_url=url,
        site=site,
        title=title,
        body=body,
        published_at=published,
        fetched_at=(published or START) + timedelta(minutes=3),
        enrichment=enrichment,
    )


def _relevance(rng: random.Random, actor: tuple[str, str, str] | None, conduct: tuple[object, ...] | None) -> Relevance:
    if actor is None or conduct is None:
        return Relevance(score=round(rng.uniform(0.0, 0.2), 3), relevant=False, threshold=0.5, scorer="corpus")
    _, neutrality, oversight, stage = conduct
    matched: dict[str, list[str]] = {"actor": [actor[2]], "neutrality": list(neutrality)}  # type: ignore[call-overload]
    if oversight:
        matched["oversight"] = list(oversight)  # type: ignore[call-overload]
    score = round(rng.uniform(0.55, 0.98), 3) if stage or rng.random() < 0.6 else round(rng.uniform(0.3, 0.49), 3)
    return Relevance(
        score=score,
        relevant=score >= 0.5,
        threshold=0.5,
        scorer="corpus",
        matched=matched,
        actors=[actor[0]],
        stages=[stage] if stage and score >= 0.5 else [],
        coverage="national" if rng.random() < 0.1 else "local",
    )


def generate(count: int = 480, seed: int = 9, step_minutes: int = 397) -> list[Article]:
    """``count`` articles (copies included), ``step_minutes`` apart, the same for the same arguments."""
    return list(_generate(count, seed, step_minutes))


def _generate(count: int, seed: int, step_minutes: int) -> Iterator[Article]:
    rng = random.Random(seed)
    made = 0
    n = 0
    while made < count:
        n += 1
        region = _region(rng.choice(REGIONS))
        place = _place(region)
        site = rng.choice(SITES)
        # Ties: every seventh article shares its time with the one before; a few have none.
        minutes = (n - (n % 7 == 0)) * step_minutes
        published: datetime | None = START + timedelta(minutes=minutes)
        if n % 53 == 0:
            published = None
        if rng.random() < 0.65:
            actor = rng.choice(ACTORS)
            conduct = rng.choice(CONDUCT)
            sentence = str(conduct[0]).format(actor=actor[1], actor_lower=actor[1].lower(), place=place)
            title = sentence.split(" karena ")[0].split(" selama ")[0].rstrip(".")
            relevance = _relevance(rng, actor, conduct)
        else:
            actor, conduct = None, None
            sentence = rng.choice(OFF_TOPIC).format(place=place)
            title = sentence.rstrip(".")
            relevance = _relevance(rng, None, None)
        body = " ".join([sentence, *rng.sample(FILLER, 3)])
        original = _article(n, site, title, body, published, region, relevance)
        yield original
        made += 1
        # About one story in eight is carried by other outlets too, later, as edited copies.
        if conduct is not None and rng.random() < 0.12 and published is not None:
            others = rng.sample([s for s in SITES if s != site], rng.randint(1, 3))
            for k, other in enumerate(others, 1):
                if made >= count:
                    return
                copy_body = rng.choice(COPY_INTROS) + body
                yield _article(
                    n * 100 + k,
                    other,
                    title,
                    copy_body,
                    published + timedelta(minutes=45 * k),
                    region,
                    relevance,
                    cluster=original.id,
                    duplicate_of=original.id,
                )
                made += 1


def make_article(n: int, title: str, body: str, site: str = "memorandum") -> Article:
    """A lone enriched article (published ``n`` hours after the corpus starts), for small tests."""
    relevance = Relevance(score=0.1, relevant=False, threshold=0.5, scorer="corpus")
    return _article(n, site, title, body, START + timedelta(hours=n), _region("35.09"), relevance)
