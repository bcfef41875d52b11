"""Deduplication core: exact URL, exact content, near duplicates, clusters, rebuild."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from pantau.enrich.dedup import (
    DedupIndex,
    content_hash,
    normalise_text,
)
from pantau.enrich.dedup.bands import BandTable as _BandTable
from pantau.enrich.dedup.minhash import MinHasher as _Hasher
from pantau.enrich.dedup.minhash import _fmix64
from pantau.enrich.dedup.words import analyse as _analyse
from pantau.schema import Article, Dedup, DedupSignature, article_id

# --- fixtures: texts written for these tests (fictional places and people) ---------------

ORIGINAL = "\n\n".join(
    [
        "Tanjung Rawa (ANTARA) - Penjabat Bupati Tanjung Rawa, Hendra Saputra, meminta seluruh "
        "aparatur sipil negara di lingkungan pemerintah kabupaten untuk menjaga netralitas menjelang "
        "pemungutan suara Pilkada serentak 27 November 2024.",
        "Permintaan itu disampaikan Hendra saat memimpin apel gabungan di halaman kantor bupati pada "
        "Senin pagi yang diikuti sekitar enam ratus pegawai, termasuk tenaga honorer dan pegawai "
        "pemerintah dengan perjanjian kerja.",
        '"Kita semua digaji oleh negara untuk melayani masyarakat, bukan untuk memenangkan calon '
        "tertentu. Jangan ikut berkampanye, jangan memberi tanda suka pada unggahan pasangan calon, "
        'dan jangan hadir dalam deklarasi dukungan," ujar Hendra.',
        "Menurut dia, pelanggaran netralitas tidak hanya berujung pada teguran lisan. Pegawai yang "
        "terbukti berpihak dapat dijatuhi hukuman disiplin sedang hingga berat sesuai peraturan "
        "pemerintah tentang disiplin pegawai negeri sipil, termasuk penundaan kenaikan pangkat.",
        "Ia juga meminta para kepala organisasi perangkat daerah mengawasi bawahannya masing-masing "
        "dan segera melaporkan apabila menemukan indikasi keterlibatan pegawai dalam kegiatan politik"
        " praktis, baik secara langsung maupun melalui media sosial.",
        "Sementara itu, Ketua Bawaslu Kabupaten Tanjung Rawa, Rina Marlina, mengatakan pihaknya telah"
        " membentuk posko pengaduan di setiap kecamatan. Hingga pekan ini, Bawaslu menerima tiga "
        "laporan dugaan pelanggaran netralitas yang melibatkan kepala desa dan seorang guru berstatus"
        " pegawai negeri.",
        '"Semua laporan kami tindak lanjuti dengan klarifikasi kepada pihak terlapor. Jika unsur '
        "pelanggaran terpenuhi, rekomendasi akan kami teruskan ke Badan Kepegawaian Negara untuk "
        'dijatuhi sanksi," kata Rina.',
        "Rina menambahkan, masyarakat dapat melapor melalui aplikasi pengaduan daring atau datang "
        "langsung ke kantor Bawaslu dengan membawa bukti berupa foto, video, atau tangkapan layar "
        "percakapan.",
        "Pilkada serentak 2024 di Tanjung Rawa diikuti oleh tiga pasangan calon bupati dan wakil "
        "bupati dengan jumlah pemilih tetap sebanyak 214.530 orang yang tersebar di 512 tempat "
        "pemungutan suara.",
        "Pewarta: Andi Pratama\nEditor: Siti Rahma",
    ]
)

# The same story as a regional site republishes it: its own intro, a paragraph dropped,
# a date made explicit, a related-link line spliced in, another byline.
SYNDICATED = "\n\n".join(
    [
        "TANJUNGRAWA, Kabar Rawa - Aparatur sipil negara di Kabupaten Tanjung Rawa kembali diingatkan"
        " agar tidak terlibat politik praktis selama tahapan pemilihan kepala daerah berlangsung. "
        "Imbauan itu datang langsung dari Penjabat Bupati Hendra Saputra.",
        "Permintaan itu disampaikan Hendra saat memimpin apel gabungan di halaman kantor bupati pada "
        "Senin (23/9/2024) yang diikuti sekitar enam ratus pegawai, termasuk tenaga honorer dan "
        "pegawai pemerintah dengan perjanjian kerja.",
        '"Kita semua digaji oleh negara untuk melayani masyarakat, bukan untuk memenangkan calon '
        "tertentu. Jangan ikut berkampanye, jangan memberi tanda suka pada unggahan pasangan calon, "
        'dan jangan hadir dalam deklarasi dukungan," ujar Hendra.',
        "BACA JUGA: Harga cabai di Pasar Rawa turun jelang akhir bulan",
        "Menurut dia, pelanggaran netralitas tidak hanya berujung pada teguran lisan. Pegawai yang "
        "terbukti berpihak dapat dijatuhi hukuman disiplin sedang hingga berat sesuai peraturan "
        "pemerintah tentang disiplin pegawai negeri sipil, termasuk penundaan kenaikan pangkat.",
        "Ia juga meminta para kepala organisasi perangkat daerah mengawasi bawahannya masing-masing "
        "dan segera melaporkan apabila menemukan indikasi keterlibatan pegawai dalam kegiatan politik"
        " praktis, baik secara langsung maupun melalui media sosial.",
        "Sementara itu, Ketua Bawaslu Kabupaten Tanjung Rawa, Rina Marlina, mengatakan pihaknya telah"
        " membentuk posko pengaduan di setiap kecamatan. Hingga pekan ini, Bawaslu menerima tiga "
        "laporan dugaan pelanggaran netralitas yang melibatkan kepala desa dan seorang guru berstatus"
        " pegawai negeri.",
        '"Semua laporan kami tindak lanjuti dengan klarifikasi kepada pihak terlapor. Jika unsur '
        "pelanggaran terpenuhi, rekomendasi akan kami teruskan ke Badan Kepegawaian Negara untuk "
        'dijatuhi sanksi," kata Rina.',
        "Pilkada serentak 2024 di Tanjung Rawa diikuti oleh tiga pasangan calon bupati dan wakil "
        "bupati dengan jumlah pemilih tetap sebanyak 214.530 orang yang tersebar di 512 tempat "
        "pemungutan suara.",
        "Penulis: Dedi Kurniawan",
    ]
)

# Another article on the same subject, written independently: shared vocabulary only.
SAME_TOPIC = "\n\n".join(
    [
        "Bukit Sari - Badan Pengawas Pemilu Kabupaten Bukit Sari menggelar sosialisasi pengawasan "
        "partisipatif bagi kepala desa dan perangkat desa se-kabupaten di aula kantor camat, Kamis. "
        "Kegiatan ini menekankan larangan bagi aparat desa untuk berpihak dalam Pilkada serentak "
        "2024.",
        "Koordinator divisi pencegahan Bawaslu Bukit Sari, Yusuf Hamdani, menjelaskan kepala desa "
        "termasuk pihak yang dilarang membuat keputusan atau tindakan yang menguntungkan salah satu "
        "pasangan calon. Larangan itu berlaku sejak masa kampanye dimulai sampai penetapan calon "
        "terpilih.",
        '"Kepala desa punya pengaruh besar di kampungnya. Satu unggahan di grup percakapan warga bisa'
        ' dianggap ajakan memilih. Karena itu kami minta bapak dan ibu menahan diri," kata Yusuf di '
        "hadapan sekitar dua ratus peserta.",
        "Ia mengingatkan bahwa dana desa dan fasilitas kantor desa tidak boleh dipakai untuk kegiatan"
        " kampanye. Mobil dinas, balai desa, hingga pengeras suara masjid yang dikelola desa juga "
        "termasuk fasilitas yang tidak boleh dimanfaatkan untuk kepentingan calon mana pun.",
        "Bawaslu mencatat pada pemilihan sebelumnya ada lima kepala desa di Bukit Sari yang diberi "
        "sanksi karena menghadiri acara kampanye dengan mengenakan atribut partai. Yusuf berharap "
        "kejadian serupa tidak terulang tahun ini.",
        "Camat Lembah Hijau, Sri Wahyuni, yang hadir membuka acara, menyatakan akan mengumpulkan para"
        " kepala desa setiap bulan untuk mengevaluasi kepatuhan mereka. Menurutnya, aparatur sipil "
        "negara di kecamatan juga akan ikut dipantau oleh inspektorat daerah.",
        "Peserta sosialisasi kemudian menandatangani pakta integritas netralitas yang disaksikan "
        "unsur kepolisian, kejaksaan, dan komando rayon militer setempat. Pakta tersebut akan "
        "dipajang di kantor desa masing-masing agar dapat dilihat warga.",
        "Sosialisasi serupa dijadwalkan berlangsung di tiga kecamatan lain pada pekan depan, dengan "
        "sasaran ketua rukun tetangga dan anggota badan permusyawaratan desa.",
    ]
)

BOILERPLATE = (
    "Ikuti berita terbaru Kabar Rawa di Google News dan kanal WhatsApp kami. "
    "Editor: Siti Rahma. Hak cipta dilindungi undang-undang. "
    "Dapatkan ringkasan berita pilihan setiap pagi di kotak surel Anda."
)
SHORT_A = "Foto: Istimewa. Bupati meninjau banjir di Sukamaju. " + BOILERPLATE
SHORT_B = "Foto: Istimewa. Petugas memeriksa logistik di gudang KPU. " + BOILERPLATE

FETCHED = datetime(2024, 9, 24, 6, 0, tzinfo=UTC)
T0 = datetime(2024, 9, 23, 3, 0, tzinfo=UTC)


def make_article(url: str, body: str, published: datetime | None = T0, title: str = "Judul") -> Article:
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        site=url.split("/")[2],
        title=title,
        body=body,
        published_at=published,
        fetched_at=FETCHED,
    )


def shingle_jaccard(a: str, b: str, k: int = 4) -> float:
    """Exact Jaccard of word k-shingles, computed independently of the index."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = normalise_text(text).split()
        return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def reference_normalise(text: str) -> str:
    """The normalisation rule spelled out in plain Python, to check the vectorised one."""
    text = unicodedata.normalize("NFKC", text).lower()
    lines = [line for line in text.split("\n") if not line.strip(" \t").startswith(("baca juga", "baca\tjuga"))]
    chars = (c if ord(c) < 0x10000 and unicodedata.category(c)[0] in "LMN" else " " for c in "\n".join(lines))
    return " ".join("".join(chars).split())


# --- normalisation and hashing -------------------------------------------------------


def test_normalise_collapses_case_punctuation_and_whitespace_and_keeps_digits() -> None:
    assert normalise_text("  Pj. Bupati:\n\n“ASN -- wajib   NETRAL!”  (2024)  ") == "pj bupati asn wajib netral 2024"
    assert normalise_text("Pilkada 2024") != normalise_text("Pilkada 2020")
    assert normalise_text("...!!!") == ""


def test_normalise_drops_related_link_lines_only_as_whole_lines() -> None:
    body = "Paragraf satu.\nBaca juga: Judul lain di situs ini\n  BACA JUGA : Judul ketiga\nParagraf dua."
    assert normalise_text(body) == "paragraf satu paragraf dua"
    # Inside a sentence it is ordinary text and stays.
    assert normalise_text("Warga diminta baca juga aturan kampanye.") == "warga diminta baca juga aturan kampanye"


@pytest.mark.parametrize(
    "text",
    [
        ORIGINAL,
        SYNDICATED,
        "Jum\u2019at,\u00a0ﬁnal — “kutipan” ASN_PPPK 2.500 orang 😀ok",
        "cafe\u0301 Ｐｉｌｋａｄａ ２０２４",
        "\r\nBaca juga: x\r\nisi berita\r\n",
        "",
    ],
)
def test_normalise_matches_plain_python_reference(text: str) -> None:
    assert normalise_text(text) == reference_normalise(text)


def test_content_hash_ignores_formatting_but_not_words() -> None:
    reformatted = ORIGINAL.replace("\n\n", "\n").replace(", ", " , ").replace('"', "“").upper()
    assert content_hash(reformatted) == content_hash(ORIGINAL)
    assert content_hash(ORIGINAL.replace("214.530", "214.531")) != content_hash(ORIGINAL)
    assert len(content_hash(ORIGINAL)) == 32


def test_word_hash_depends_on_the_word_not_its_position() -> None:
    hashes = _analyse("netral, ASN netral; netralitas").word_hashes.tolist()
    assert hashes[0] == hashes[2]
    assert len({hashes[0], hashes[1], hashes[3]}) == 3


def test_minhash_estimate_tracks_exact_jaccard() -> None:
    hasher = _Hasher(num_perm=128, shingle_words=1)
    rng = random.Random(7)
    for target in (0.2, 0.5, 0.8):
        n = 600
        shared = round(2 * n * target / (1 + target))
        words = [f"kata{rng.randrange(10**9)}" for _ in range(2 * n - shared)]
        a = " ".join(words[:n])
        b = " ".join(words[:shared] + words[n:])
        exact = shared / (2 * n - shared)
        est = np.mean(hasher.minhash(_analyse(a).word_hashes) == hasher.minhash(_analyse(b).word_hashes))
        # 128 permutations: standard error <= 0.045; allow three of them.
        assert abs(est - exact) < 0.135, (target, exact, est)


def test_minhash_is_the_same_in_another_process() -> None:
    index = DedupIndex()
    _, signature = index.check(make_article("https://a.example.id/1", ORIGINAL))
    code = (
        "import json, sys; from pantau.enrich.dedup import DedupIndex; from pantau.schema import Article;"
        "a = Article.model_validate_json(sys.stdin.read());"
        "print(json.dumps(DedupIndex().check(a)[1].to_dict()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=make_article("https://a.example.id/1", ORIGINAL).to_json(),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(out.stdout) == json.loads(json.dumps(signature.to_dict()))


# --- decisions -----------------------------------------------------------------------


def test_same_url_again_keeps_its_first_decision_and_adds_nothing() -> None:
    index = DedupIndex()
    first = make_article("https://a.example.id/berita/1", ORIGINAL)
    decision, signature = index.check(first)
    assert decision == Dedup(content_hash=content_hash(ORIGINAL), cluster_id=first.id)

    again, stored = index.check(make_article("https://a.example.id/berita/1", ORIGINAL + "\nRalat: angka."))
    # A re-crawl or redelivery is the same document, not a duplicate of itself.
    assert again.method is None
    assert again.duplicate_of is None
    assert again.cluster_id == first.id
    assert again.content_hash == content_hash(ORIGINAL + "\nRalat: angka.")
    assert stored == signature
    assert stored.as_dedup() == decision
    assert index.check(first)[0] == decision
    assert len(index) == 1


def test_exact_content_survives_whitespace_punctuation_and_related_links() -> None:
    index = DedupIndex()
    first = make_article("https://a.example.id/berita/1", ORIGINAL)
    index.check(first)
    messy = (
        ORIGINAL.replace("\n\n", "\n \n\t")
        .replace('"', "“")
        .replace(" - ", " — ")
        .replace("Hendra", "HENDRA")
        .replace("Bupati Tanjung Rawa,", "Bupati  Tanjung Rawa ;")
    )
    messy = messy.replace("ujar HENDRA.", "ujar HENDRA.\nBaca juga: Jalan provinsi rusak parah")
    decision, _ = index.check(make_article("https://b.example.id/read/77", messy, T0 + timedelta(hours=2)))
    assert decision.method == "exact_content"
    assert decision.duplicate_of == first.id
    assert decision.cluster_id == first.id
    assert decision.similarity == 1.0
    assert decision.content_hash == content_hash(ORIGINAL)


def test_syndicated_copy_with_new_intro_and_dropped_paragraph_is_near_duplicate() -> None:
    exact = shingle_jaccard(ORIGINAL, SYNDICATED)
    assert 0.5 < exact < 0.95  # the fixture really is an edited copy, not an exact one
    index = DedupIndex()
    original = make_article("https://kalteng.example.id/berita/1", ORIGINAL, T0)
    index.check(original)
    decision, signature = index.check(
        make_article("https://kabarrawa.example.id/2024/09/asn-netral", SYNDICATED, T0 + timedelta(hours=5))
    )
    assert decision.method == "near"
    assert decision.duplicate_of == original.id
    assert decision.cluster_id == original.id
    assert decision.similarity is not None
    assert abs(decision.similarity - exact) < 0.15
    assert signature.as_dedup() == decision


def test_different_article_on_the_same_topic_is_not_a_duplicate() -> None:
    assert shingle_jaccard(ORIGINAL, SAME_TOPIC) < 0.05
    index = DedupIndex(threshold=0.3)  # even a lenient threshold must not merge them
    index.check(make_article("https://a.example.id/1", ORIGINAL))
    other = make_article("https://c.example.id/2", SAME_TOPIC)
    decision, _ = index.check(other)
    assert not decision.is_duplicate
    assert decision.method is None
    assert decision.cluster_id == other.id


def test_duplicate_points_at_earliest_published_and_earlier_arrival_takes_over() -> None:
    index = DedupIndex()
    first_seen = make_article("https://regional.example.id/1", SYNDICATED, T0 + timedelta(days=1))
    d1, s1 = index.check(first_seen)
    assert not d1.is_duplicate

    # The wire original arrives later but was published earlier: it is not a duplicate,
    # joins the cluster and becomes its representative.
    wire = make_article("https://wire.example.id/1", ORIGINAL, T0)
    d2, _ = index.check(wire)
    assert d2.duplicate_of is None
    assert d2.method is None
    assert d2.cluster_id == first_seen.id

    # A later copy points at the earliest-published member, not the first-seen one.
    later = make_article("https://third.example.id/9", ORIGINAL + "\nSumber: ANTARA", T0 + timedelta(days=2))
    d3, _ = index.check(later)
    assert d3.duplicate_of == wire.id
    assert d3.cluster_id == first_seen.id
    assert d3.method == "near"

    # The member decided earlier keeps its original record.
    assert index.signature(first_seen.id) == s1


def test_missing_dates_fall_back_to_first_seen() -> None:
    index = DedupIndex()
    undated = make_article("https://a.example.id/1", ORIGINAL, None)
    index.check(undated)
    dated = make_article("https://b.example.id/1", ORIGINAL, T0 - timedelta(days=3))
    decision, _ = index.check(dated)
    assert decision.duplicate_of == undated.id

    index2 = DedupIndex()
    index2.check(make_article("https://a.example.id/1", ORIGINAL, T0))
    decision2, _ = index2.check(make_article("https://b.example.id/1", ORIGINAL, None))
    assert decision2.duplicate_of == article_id("https://a.example.id/1")


def test_short_texts_do_not_match_on_boilerplate() -> None:
    assert shingle_jaccard(SHORT_A, SHORT_B) > 0.5  # mostly boilerplate: would match if shingled
    assert len(normalise_text(SHORT_A).split()) < 40

    index = DedupIndex()
    index.check(make_article("https://a.example.id/foto/1", SHORT_A))
    decision, signature = index.check(make_article("https://a.example.id/foto/2", SHORT_B))
    assert not decision.is_duplicate
    assert signature.minhash is None

    # The same pair is matched once the length guard is lowered: the guard is what holds.
    lenient = DedupIndex(min_words=10)
    lenient.check(make_article("https://a.example.id/foto/1", SHORT_A))
    assert lenient.check(make_article("https://a.example.id/foto/2", SHORT_B))[0].method == "near"


def test_tiny_identical_bodies_are_not_exact_duplicates_but_short_ones_are() -> None:
    index = DedupIndex()
    index.check(make_article("https://a.example.id/video/1", "Simak videonya di bawah ini."))
    tiny, _ = index.check(make_article("https://a.example.id/video/2", "Simak videonya di bawah ini!"))
    assert not tiny.is_duplicate

    index.check(make_article("https://a.example.id/1", SHORT_A))
    short, _ = index.check(make_article("https://b.example.id/1", SHORT_A.upper()))
    assert short.method == "exact_content"


# --- persistence and rebuild ---------------------------------------------------------


def _stream() -> list[Article]:
    return [
        make_article("https://wire.example.id/1", ORIGINAL, T0),
        make_article("https://regional.example.id/1", SYNDICATED, T0 + timedelta(hours=3)),
        make_article("https://c.example.id/2", SAME_TOPIC, None),
        make_article("https://mirror.example.id/1", ORIGINAL.replace("\n\n", "\n"), T0 + timedelta(hours=1)),
        make_article("https://a.example.id/foto/1", SHORT_A, T0),
        make_article("https://a.example.id/foto/2", SHORT_B, T0),
        make_article("https://early.example.id/1", SAME_TOPIC + "\nEditor: Lain", T0 - timedelta(days=1)),
    ]


def _probes() -> list[Article]:
    return [
        make_article("https://late.example.id/5", SYNDICATED.replace("Penulis", "Reporter"), T0 + timedelta(days=2)),
        make_article("https://late.example.id/6", SAME_TOPIC.upper(), T0 + timedelta(days=2)),
        make_article("https://wire.example.id/1", ORIGINAL, T0),
        make_article("https://new.example.id/7", SHORT_B, None),
    ]


def test_rebuild_from_json_signatures_gives_identical_decisions() -> None:
    live = DedupIndex()
    persisted = [json.dumps(live.check(article)[1].to_dict()) for article in _stream()]

    rebuilt = DedupIndex()
    for payload in persisted:
        rebuilt.add(DedupSignature.from_dict(json.loads(payload)))
    assert len(rebuilt) == len(live)
    for article in _stream():
        assert rebuilt.signature(article.id) == live.signature(article.id)

    for article in _probes():
        assert rebuilt.check(article) == live.check(article)


def test_add_is_idempotent() -> None:
    source = DedupIndex()
    signatures = [source.check(article)[1] for article in _stream()]

    index = DedupIndex()
    for signature in signatures + signatures[::-1] + signatures:
        index.add(signature)
    assert len(index) == len(signatures)
    for signature in signatures:
        assert index.signature(signature.article_id) == signature
    for article in _probes():
        assert index.check(article) == source.check(article)


def test_signature_round_trip_and_validation() -> None:
    _, signature = DedupIndex().check(make_article("https://a.example.id/1", ORIGINAL, T0))
    data = signature.to_dict()
    assert DedupSignature.from_dict(json.loads(json.dumps(data))) == signature
    assert signature.minhash is not None and len(signature.minhash) == 4 * 128

    with pytest.raises(ValueError, match="minhash"):
        DedupSignature.from_dict({**data, "minhash": "not base64!"})
    with pytest.raises(ValueError, match="article_id"):
        DedupSignature.from_dict({k: v for k, v in data.items() if k != "article_id"})
    with pytest.raises(ValueError, match="published_at"):
        DedupSignature.from_dict({**data, "published_at": "2024-09-23T03:00:00"})
    with pytest.raises(ValueError, match="method"):
        DedupSignature.from_dict({**data, "method": "fuzzy"})


def test_signature_from_json_is_from_dict_of_the_decoded_json() -> None:
    _, signature = DedupIndex().check(make_article("https://a.example.id/1", ORIGINAL, T0))
    payload = json.dumps(signature.to_dict())
    assert DedupSignature.from_json(payload) == DedupSignature.from_dict(json.loads(payload)) == signature
    with pytest.raises(ValueError, match=r"^words: "):
        DedupSignature.from_json(json.dumps({**signature.to_dict(), "words": -1}))


def test_signatures_persisted_by_earlier_versions_still_replay() -> None:
    _, signature = DedupIndex().check(make_article("https://a.example.id/1", ORIGINAL, T0))
    data = signature.to_dict()
    # Earlier versions wrote times with "+00:00"; a later one may add keys.
    older = {**data, "published_at": T0.astimezone(UTC).isoformat(), "written_by": "a later version"}
    assert DedupSignature.from_dict(older) == signature


def test_signature_from_other_settings_is_refused() -> None:
    _, signature = DedupIndex(shingle_words=5).check(make_article("https://a.example.id/1", ORIGINAL))
    with pytest.raises(ValueError, match="scheme"):
        DedupIndex().add(signature)


def test_band_table_finds_every_row_across_flushes_and_merges() -> None:
    rng = np.random.default_rng(3)
    table = _BandTable(flush_rows=4)
    expected: dict[int, set[int]] = {}
    for row in range(50):
        # Small key space so that buckets collide, within one batch and across runs.
        keys = rng.integers(0, 40, size=5, dtype=np.uint64)
        table.insert(keys, row)
        for key in keys.tolist():
            expected.setdefault(key, set()).add(row)
    for key in range(45):
        assert table.lookup(np.array([key], dtype=np.uint64)) == expected.get(key, set())
    both = np.array([1, 2], dtype=np.uint64)
    assert table.lookup(both) == expected.get(1, set()) | expected.get(2, set())


def test_permutations_and_values_are_datasketchs() -> None:
    # The scheme tag promises datasketch's affine32 MinHash: parameters and values must be
    # exactly what datasketch computes, or persisted signatures would stop matching.
    from datasketch import MinHash

    from pantau.enrich.dedup.minhash import _DATASKETCH_SEED, affine32_permutations

    hasher = _Hasher(128, 4)
    reference = MinHash(num_perm=128, seed=_DATASKETCH_SEED, hashfunc=int, scheme="affine32")
    a, b = affine32_permutations(128, _DATASKETCH_SEED)
    assert np.array_equal(a, reference.permutations[0]) and np.array_equal(b, reference.permutations[1])
    for body in (ORIGINAL, ORIGINAL.upper() + " tambahan kata", "satu dua tiga empat lima"):
        words = _analyse(body).word_hashes
        k = min(4, len(words))
        m = len(words) - k + 1
        acc = words[:m] * hasher._mix[0]
        for j in range(1, k):
            acc += words[j : j + m] * hasher._mix[j]
        shingles = (_fmix64(acc) >> np.uint64(32)).astype(np.uint32)
        sketch = MinHash(num_perm=128, hashfunc=int, scheme="affine32", permutations=(a, b))
        sketch.update_batch(shingles.tolist())
        assert np.array_equal(hasher.minhash(words), sketch.hashvalues)
