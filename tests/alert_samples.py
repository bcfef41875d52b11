"""Alert test data: a fixed notice with every field set, and articles to enrich.

The story below exists only here (written for the tests): a camat in Jember reported to
Bawaslu. ``copies`` makes the syndicated versions of it that outlets publish minutes apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pantau.alerts.notice import Message, Notice, Outlet, StoryItem
from pantau.schema import Article, Region, article_id

JEMBER = Region(code="35.09", name="Kabupaten Jember", type="kabupaten", province_code="35", province_name="Jawa Timur")

STORY = "\n\n".join(
    [
        (
            "JEMBER – Badan Pengawas Pemilu (Bawaslu) Kabupaten Jember menerima laporan dugaan pelanggaran "
            "netralitas aparatur sipil negara (ASN) dalam Pilkada 2024. Seorang camat di Jember diduga ikut "
            "berkampanye untuk salah satu pasangan calon bupati."
        ),
        (
            "Ketua Bawaslu Jember mengatakan laporan itu sudah diregistrasi dan saksi akan dipanggil pekan depan."
            ' "Kami akan klarifikasi camat yang bersangkutan," ujarnya, Senin (7/10/2024).'
        ),
        (
            "Menurut dia, ASN wajib menjaga netralitas dan dilarang terlibat politik praktis. Bila terbukti, "
            "Bawaslu akan meneruskan rekomendasi ke Badan Kepegawaian Negara (BKN) untuk dijatuhi sanksi."
        ),
        (
            "Bawaslu juga mengimbau masyarakat melapor bila menemukan kepala desa atau perangkat desa yang tidak "
            "netral selama masa kampanye pilkada di Kabupaten Jember."
        ),
    ]
)

OTHER_REGION = "\n\n".join(
    [
        (
            "PALANGKA RAYA – Bawaslu Kota Palangka Raya menerima laporan dugaan pelanggaran netralitas aparatur "
            "sipil negara (ASN) dalam Pilkada 2024. Seorang lurah di Palangka Raya diduga ikut berkampanye untuk "
            "salah satu pasangan calon wali kota."
        ),
        (
            "Ketua Bawaslu Kota Palangka Raya mengatakan laporan itu sudah diregistrasi. Menurut dia, ASN wajib "
            "menjaga netralitas dan dilarang terlibat politik praktis, dan rekomendasi sanksi akan diteruskan ke "
            "BKN bila terbukti."
        ),
    ]
)

IRRELEVANT = "\n\n".join(
    [
        (
            "JEMBER – Pemerintah Kabupaten Jember membuka pasar murah di alun-alun selama tiga hari. Warga dapat "
            "membeli beras, minyak goreng dan gula dengan harga di bawah pasar."
        ),
        (
            "Kepala dinas perdagangan mengatakan stok cukup untuk seribu keluarga setiap hari, dan pasar murah "
            "akan digelar lagi bulan depan di kecamatan lain."
        ),
    ]
)

PUBLISHED = datetime(2024, 10, 7, 4, 0, tzinfo=UTC)


def article(site: str, slug: str, title: str, body: str, minutes: int = 0) -> Article:
    url = f"https://{site}.example/berita/{slug}"
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site=site,
        title=title,
        body=body,
        published_at=PUBLISHED + timedelta(minutes=minutes),
        fetched_at=PUBLISHED + timedelta(minutes=minutes + 1),
    )


def copies() -> list[Article]:
    """Three outlets' versions of the Jember story, published minutes apart, lightly edited."""
    edited = "Dikutip dari media lokal, " + STORY
    return [
        article("memorandum", "camat-jember", "Camat di Jember Dilaporkan ke Bawaslu", STORY),
        article("jatimnow", "camat-dilaporkan", "Camat Jember Dilaporkan, Diduga Kampanye", edited, 4),
        article(
            "radarjember", "bawaslu-camat", "Bawaslu Jember Proses Laporan", STORY.replace("ujarnya", "katanya"), 9
        ),
    ]


def unrelated() -> list[Article]:
    """An irrelevant article from Jember and a relevant one from another province."""
    return [
        article("memorandum", "pasar-murah", "Pasar Murah di Alun-alun Jember", IRRELEVANT, 2),
        article("kaltengpos", "lurah-palangka", "Lurah di Palangka Raya Dilaporkan ke Bawaslu", OTHER_REGION, 3),
    ]


def sample_notice(**changes: object) -> Notice:
    base = Notice(
        subscription="jember-asn",
        cluster_id="c" * 32,
        article_id="a" * 32,
        title='Camat "Netral"? <b>Bawaslu</b> & Jember',
        site="memorandum",
        url="https://memorandum.example/berita/camat?id=1&x=<2>",
        published_at=PUBLISHED,
        region=JEMBER,
        relevance_score=0.91,
        relevant=True,
        actors=["asn", "camat_lurah"],
        stages=["report"],
        matched_terms=["netralitas", '"politik praktis"'],
        relevance_terms={"actor": ["asn", "camat"], "neutrality": ["netralitas"]},
    )
    return base.model_copy(update=changes)


def sample_message(delivery_id: str = "d" * 32) -> Message:
    return Message(
        delivery_id=delivery_id,
        subscription="jember-asn",
        owner="Bawaslu Jember <p@example.org>",
        kind="notice",
        timezone="Asia/Jakarta",
        items=[
            StoryItem(
                notice=sample_notice(),
                other_outlets=[Outlet(site="jatimnow", url="https://jatimnow.example/b/1", title="Camat Jember")],
            )
        ],
    )
