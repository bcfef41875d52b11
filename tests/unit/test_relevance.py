"""Relevance scoring: lexicon groups, labels, typos, hard negatives, proximity, threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.enrich.relevance import (
    DEFAULT_THRESHOLD,
    SCORER_NAME,
    LearnedScorer,
    Lexicon,
    LexiconScorer,
    Scorer,
    default_scorer,
    load_lexicon,
)
from pantau.schema import Relevance
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def scorer() -> LexiconScorer:
    return LexiconScorer()


def _score(scorer: LexiconScorer, body: str, title: str = "") -> Relevance:
    return scorer.score(title, body)


# --- lexicon groups ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "text", "canonical"),
    [
        ("actor", "Para PNS di kantor itu hadir.", "pns"),
        ("actor", "Aparatur Sipil Negara wajib hadir.", "aparatur sipil negara"),
        ("actor", "Tenaga harian lepas ikut rapat.", "thl"),
        ("actor", "Perangkat desa berkumpul di balai.", "perangkat desa"),
        ("actor", "Anggota Polri berjaga di depan.", "polisi"),
        ("neutrality", "Mereka membahas ketidaknetralan.", "ketidaknetralan"),
        ("neutrality", "Jangan terlibat politik praktis.", "politik praktis"),
        ("neutrality", "Sikap keberpihakan itu dikritik.", "berpihak"),
        ("neutrality", "Dilarang foto bersama paslon.", "foto bersama paslon"),
        ("election", "Tahapan Pilwalkot sudah dimulai.", "pilwali"),
        ("election", "Pemilihan Bupati digelar November.", "pemilihan kepala daerah"),
        ("election", "Pasangan calon mendaftar ke kantor.", "paslon"),
        ("oversight", "Sentra Gakkumdu menerima berkas.", "gakkumdu"),
        ("oversight", "Komisi ASN mengirim surat.", "kasn"),
        ("oversight", "Badan Kepegawaian Negara mengirim surat.", "bkn"),
        ("oversight", "Inspektorat memeriksa berkas.", "inspektorat"),
        ("oversight", "Bawaslu meminta klarifikasi.", "klarifikasi"),
        ("appeal", "Bupati menghimbau warga.", "mengimbau"),
        ("appeal", "Semua pegawai menandatangani pakta integritas.", "pakta integritas"),
        ("appeal", "Camat memimpin apel pagi.", "apel"),
    ],
)
def test_each_group_fires_with_its_canonical_form(scorer: LexiconScorer, group: str, text: str, canonical: str) -> None:
    assert canonical in _score(scorer, text).matched.get(group, [])


def test_kasn_and_bkn_both_count_as_oversight(scorer: LexiconScorer) -> None:
    # KASN's neutrality duties moved to BKN in 2024; articles name either.
    result = _score(scorer, "Laporan diteruskan ke KASN dan kini ditangani BKN.")
    assert {"kasn", "bkn"} <= set(result.matched["oversight"])


# --- actor labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_text", "label"),
    [
        ("seluruh ASN", "asn"),
        ("para pegawai PPPK", "pppk"),
        ("tenaga honorer dan TKB", "honorer"),
        ("pegawai non-ASN", "honorer"),
        ("para kades", "village"),
        ("aparat desa", "village"),
        ("seorang lurah", "camat_lurah"),
        ("prajurit TNI", "tni"),
        ("personel Polri", "polri"),
    ],
)
def test_actor_label_is_reported(scorer: LexiconScorer, actor_text: str, label: str) -> None:
    body = f"Pemkab meminta {actor_text} menjaga netralitas selama Pilkada serentak."
    result = _score(scorer, body)
    assert label in result.actors
    assert result.relevant


def test_addressing_official_is_not_an_actor_when_others_are_named(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Sekda mengingatkan ASN dan kepala desa agar netral pada Pilkada.")
    assert result.actors == ["asn", "village"]


def test_official_is_an_actor_when_alone(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Seorang camat diduga tidak netral dalam Pilkada dan sudah dilaporkan ke Bawaslu.")
    assert result.actors == ["camat_lurah"]
    assert result.relevant


# --- typos, case, word boundaries ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("nertralitas", "netralitas"),
        ("Nertalitas", "netralitas"),
        ("NETRALITAS", "netralitas"),
        ("netralitasnya", "netralitas"),
        ("netrlaitas", "netralitas"),  # a transposition nobody listed: generated
        ("netrallitas", "netralitas"),  # a doubled letter: generated
    ],
)
def test_neutrality_typos_and_forms_normalise(scorer: LexiconScorer, spelling: str, canonical: str) -> None:
    result = _score(scorer, f"Bupati meminta ASN menjaga {spelling} selama Pilkada.")
    assert result.matched["neutrality"] == [canonical]
    assert result.relevant


def test_practical_politics_typo_is_tolerated(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Kades dilarang terlibat politik prakstis menjelang Pilbup.")
    assert "politik praktis" in result.matched["neutrality"]


def test_himbauan_is_a_variant_of_imbauan(scorer: LexiconScorer) -> None:
    assert _score(scorer, "Ada himbauan dari bupati.").matched["appeal"] == ["imbauan"]


def test_separators_between_words_are_flexible(scorer: LexiconScorer) -> None:
    for text in ("pegawai non-ASN", "pegawai non ASN", "pegawai nonASN"):
        assert _score(scorer, text).matched["actor"] == ["non asn"], text


def test_terms_match_on_word_boundaries_only(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Hasnawati membeli kapasnya di toko Pilkadarta milik Bu Tniasih.")
    assert "actor" not in result.matched
    assert "election" not in result.matched


# --- hard negatives ------------------------------------------------------------------------

HARD_NEGATIVES = {
    "campaign": (
        "Paslon Nomor Urut 1 Kampanye di Pasar",
        "Pasangan calon bupati nomor urut 1 berkampanye di pasar tradisional. Ratusan warga "
        "menyambut kedatangan calon. Tim pemenangan membagikan kaus dan stiker.",
    ),
    "candidate_registration": (
        "Dua Bakal Pasangan Calon Mendaftar ke KPU",
        "KPU Kabupaten menerima pendaftaran dua bakal pasangan calon bupati. Salah satu bakal "
        "calon adalah mantan kepala dinas yang sudah pensiun dari ASN. Berkas akan diverifikasi.",
    ),
    "debate": (
        "Debat Kandidat Berlangsung Panas",
        "Debat publik calon wali kota berlangsung panas. Moderator dinilai netral oleh para "
        "pendukung kedua kubu. KPU menyiapkan tiga sesi debat hingga akhir masa kampanye.",
    ),
    "vote_count": (
        "Rekapitulasi Suara Pilkada Rampung",
        "KPU menggelar rapat pleno rekapitulasi hasil pemungutan suara Pilkada. Saksi paslon "
        "hadir. Anggota PPK membacakan hasil penghitungan dari tiap kecamatan.",
    ),
    "asn_salary": (
        "Gaji ASN dan PPPK Naik Tahun Depan",
        "Pemerintah menaikkan gaji ASN dan PPPK mulai Januari. Tunjangan kinerja PNS juga "
        "disesuaikan dengan kemampuan keuangan daerah.",
    ),
    "asn_promotion": (
        "Puluhan PNS Naik Pangkat",
        "Sebanyak 80 PNS di lingkungan Pemkot menerima SK kenaikan pangkat. Sekda berpesan "
        "agar para pegawai terus meningkatkan kinerja dan disiplin.",
    ),
    "cpns_recruitment": (
        "Pendaftaran CPNS Dibuka",
        "BKN membuka pendaftaran CPNS dan PPPK. Pelamar diminta mengunggah berkas sebelum "
        "batas waktu. Seleksi kompetensi dasar digelar bulan depan.",
    ),
    "truancy_discipline": (
        "ASN Bolos Usai Libur Panjang Disanksi",
        "Sebanyak 12 ASN yang bolos kerja usai libur panjang dijatuhi sanksi disiplin oleh "
        "Inspektorat. Kepala BKPSDM menegaskan disiplin pegawai harus ditegakkan.",
    ),
    "organisers": (
        "KPU Ingatkan PPS Jaga Netralitas",
        "KPU Kabupaten mengingatkan anggota PPK dan PPS agar menjaga netralitas selama Pilkada. "
        "Penyelenggara pemilu harus netral dan profesional dalam bekerja.",
    ),
    "supervisor_staff": (
        "Pengawas Ad Hoc Dilantik",
        "Bawaslu melantik ratusan pengawas ad hoc untuk Pilkada. Jajaran pengawas diminta "
        "bersikap netral dan tidak berpihak kepada paslon mana pun.",
    ),
    "organiser_phrase": (
        "Menjaga Netralitas Penyelenggara",
        "Diskusi itu membahas netralitas penyelenggara pada Pilkada. Peserta diskusi berasal "
        "dari kalangan ASN dan mahasiswa.",
    ),
    "press": (
        "Dewan Pers Minta Media Netral",
        "Dewan Pers meminta media massa menjaga netralitas pemberitaan Pilkada. Wartawan diminta "
        "tidak berpihak pada paslon tertentu.",
    ),
    "press_phrase": (
        "Netralitas Media Diuji",
        "Netralitas media diuji selama Pilkada. Sejumlah ASN hadir sebagai narasumber diskusi.",
    ),
    "tni_exercise": (
        "Prajurit TNI Latihan Gabungan",
        "Ratusan prajurit TNI menggelar latihan gabungan di perbatasan. Komandan meninjau "
        "kesiapan personel di zona netral dekat garis batas.",
    ),
    "polri_security": (
        "Polres Siagakan Personel Amankan Pilkada",
        "Polres menyiagakan 800 personel Polri untuk mengamankan tahapan Pilkada. Kapolres "
        "meminta anggota sigap menjaga TPS dan gudang logistik.",
    ),
    "ph_neutral": (
        "Tips Menanam Cabai",
        "Tanah dengan pH netral cocok untuk cabai. Kepala desa mengajak warga menanam cabai "
        "menjelang Pilkada agar harga stabil.",
    ),
    "carbon_neutral": (
        "Kota Target Netral Karbon",
        "Pemkot menargetkan netral karbon pada 2050. ASN diminta bersepeda ke kantor setiap Jumat.",
    ),
    "party_neutral": (
        "Partai Pilih Netral",
        "Partai itu memutuskan netral dalam Pilgub. Pengurus partai tidak akan mengusung calon.",
    ),
}


@pytest.mark.parametrize("case", sorted(HARD_NEGATIVES))
def test_hard_negatives_score_low(scorer: LexiconScorer, case: str) -> None:
    title, body = HARD_NEGATIVES[case]
    result = scorer.score(title, body)
    assert not result.relevant
    assert result.score < 0.3, result


def test_neutrality_of_organisers_does_not_pair_with_nearby_apparatus(scorer: LexiconScorer) -> None:
    organisers = _score(
        scorer, "Pemkab mengumpulkan ASN di pendopo. Di sana KPU meminta anggota PPS menjaga netralitas Pilkada."
    )
    apparatus = _score(
        scorer, "Pemkab mengumpulkan ASN di pendopo. Di sana Bawaslu meminta mereka menjaga netralitas Pilkada."
    )
    assert organisers.actors == []
    assert apparatus.actors == ["asn"]
    assert organisers.score < apparatus.score


def test_neutrality_without_an_election_is_not_relevant(scorer: LexiconScorer) -> None:
    no_election = _score(scorer, "ASN harus netral dan profesional dalam melayani warga tanpa pilih kasih.")
    with_election = _score(scorer, "ASN harus netral dan profesional selama Pilkada serentak tahun ini.")
    assert not no_election.relevant
    assert with_election.relevant
    assert with_election.score > no_election.score


def test_related_link_lines_do_not_count(scorer: LexiconScorer) -> None:
    body = (
        "Dinas Pertanian membagikan bibit jagung kepada petani.\n"
        "BACA JUGA: ASN Diminta Jaga Netralitas Jelang Pilkada\n"
        "Bibit dibagikan di balai desa pada pagi hari."
    )
    result = _score(scorer, body)
    assert "neutrality" not in result.matched
    assert not result.relevant


def test_a_late_one_line_aside_is_not_the_subject(scorer: LexiconScorer) -> None:
    story = (
        "Pemkab memulai perbaikan jalan poros sepanjang 12 kilometer. Pekerjaan dimulai dari "
        "simpang pasar menuju terminal. Kontraktor menargetkan pengaspalan selesai dalam dua bulan. "
        "Warga diminta berhati-hati saat melintas. Dinas menyiapkan jalur alternatif lewat desa "
        "tetangga. Anggaran perbaikan berasal dari dana alokasi khusus. Pengawasan dilakukan setiap "
        "pekan oleh tim teknis."
    )
    aside = "Di sela peninjauan, Bupati juga meminta ASN menjaga netralitas pada Pilkada."
    late = _score(scorer, f"{story} {aside}", title="Perbaikan Jalan Poros Dimulai")
    leading = _score(scorer, f"{aside} {story}", title="Perbaikan Jalan Poros Dimulai")
    assert not late.relevant
    assert leading.relevant


@pytest.mark.parametrize(
    "body",
    [
        "Puluhan kepala sekolah dikumpulkan dan diminta memenangkan paslon nomor urut 2 pada Pilkada.",
        "Seorang lurah kedapatan membagikan bahan kampanye kepada warga yang mengurus KTP jelang Pilkada.",
        "Video kepala desa mengacungkan jari bersama calon bupati beredar di media sosial.",
    ],
)
def test_partisan_conduct_counts_without_the_word_netral(scorer: LexiconScorer, body: str) -> None:
    result = _score(scorer, body)
    assert "netral" not in body.lower()
    assert result.relevant, result


# --- proximity and title -------------------------------------------------------------------


def test_proximity_orders_scores(scorer: LexiconScorer) -> None:
    filler = "Cuaca cerah sepanjang hari. Warga beraktivitas seperti biasa. Pasar tetap ramai."
    same_sentence = f"Pilkada makin dekat. Bupati meminta ASN menjaga netralitas. {filler}"
    same_paragraph = f"Pilkada makin dekat. Bupati menyapa ASN. Semua diminta menjaga netralitas. {filler}"
    far_apart = f"Pilkada makin dekat. Bupati menyapa ASN.\n\n{filler}\n\n{filler}\n\nSoal netralitas dibahas."
    scores = [_score(scorer, body).score for body in (same_sentence, same_paragraph, far_apart)]
    assert scores[0] > scores[1] > scores[2]
    assert not _score(scorer, far_apart).relevant


def test_title_hits_count_more(scorer: LexiconScorer) -> None:
    body = "Rapat koordinasi digelar di aula. ASN diminta netral dalam Pilkada."
    with_title = scorer.score("Bupati Ingatkan Netralitas ASN", body)
    plain_title = scorer.score("Rapat Koordinasi di Aula", body)
    assert with_title.score > plain_title.score


def test_neutral_title_pairs_with_body_actor(scorer: LexiconScorer) -> None:
    result = scorer.score(
        "Jaga Netralitas Jelang Pilkada",
        "Pj Bupati mengumpulkan para kepala desa di pendopo. Mereka juga diajak menyukseskan program.",
    )
    assert result.relevant
    assert result.actors == ["village"]


def test_more_evidence_scores_higher(scorer: LexiconScorer) -> None:
    one = "Bupati meminta ASN netral selama Pilkada."
    many = (
        "Bupati meminta ASN netral selama Pilkada. Pegawai PPPK juga wajib menjaga netralitas. "
        "Bawaslu mengimbau kepala desa tidak terlibat politik praktis."
    )
    assert _score(scorer, many).score > _score(scorer, one).score


# --- labels: stages, coverage, matched -----------------------------------------------------


def test_appeal_stage(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Ratusan ASN mengikuti deklarasi netralitas menjelang Pilkada.")
    assert result.stages == ["appeal"]


def test_report_stage(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Seorang kades dilaporkan ke Bawaslu karena tidak netral pada Pilkada.")
    assert result.stages == ["report"]


def test_sanction_stage(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Dua ASN dijatuhi sanksi teguran tertulis karena terbukti tidak netral dalam Pilwali.")
    assert "sanction" in result.stages


def test_threatened_sanction_is_not_a_sanction_stage(scorer: LexiconScorer) -> None:
    result = _score(
        scorer,
        "Bupati mengimbau ASN menjaga netralitas pada Pilkada. "
        "ASN yang tidak netral akan dikenai sanksi jika terbukti.",
    )
    assert result.stages == ["appeal"]


def test_stages_need_a_nearby_neutrality_mention(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Bawaslu menerima laporan dugaan politik uang pada Pilkada.")
    assert result.stages == []


def test_national_coverage(scorer: LexiconScorer) -> None:
    result = scorer.score(
        "Menpan-RB Ingatkan ASN Se-Indonesia",
        "Menteri PANRB meminta ASN di seluruh Indonesia menjaga netralitas pada Pilkada serentak.",
    )
    assert result.coverage == "national"
    assert result.relevant


def test_local_coverage(scorer: LexiconScorer) -> None:
    result = scorer.score(
        "Bupati Ingatkan ASN",
        "Bupati meminta ASN di lingkungan Pemkab menjaga netralitas pada Pilkada. Ia merujuk surat edaran Menpan-RB.",
    )
    assert result.coverage == "local"


def test_generic_regional_hierarchy_does_not_make_it_local(scorer: LexiconScorer) -> None:
    result = _score(
        scorer,
        "Bawaslu RI meminta bupati/wali kota se-Indonesia memastikan kepala desa netral pada Pilkada.",
    )
    assert result.coverage == "national"


def test_labels_are_empty_without_an_actor_neutrality_pair(scorer: LexiconScorer) -> None:
    result = _score(
        scorer,
        "KPU mengimbau anggota KPPS bersikap netral selama Pilkada. Dua anggota yang melanggar "
        "sudah diberhentikan dan diberi sanksi.",
    )
    assert result.actors == []
    assert result.stages == []
    assert not result.relevant


def test_matched_lists_canonical_terms_by_group(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Bawaslu mengimbau ASN menjaga nertralitas pada Pilkada.")
    assert result.matched["neutrality"] == ["netralitas"]
    assert result.matched["actor"] == ["asn"]
    assert result.matched["election"] == ["pilkada"]
    assert set(result.matched["oversight"]) == {"bawaslu"}
    assert result.matched["appeal"] == ["mengimbau"]


# --- score range and threshold -------------------------------------------------------------


def test_relevance_fields(scorer: LexiconScorer) -> None:
    result = _score(scorer, "Bupati meminta ASN menjaga netralitas pada Pilkada.")
    assert result.scorer == SCORER_NAME
    assert result.threshold == DEFAULT_THRESHOLD
    assert 0.0 <= result.score <= 1.0


def test_empty_article_scores_zero(scorer: LexiconScorer) -> None:
    result = scorer.score("", "")
    assert result.score == 0.0
    assert not result.relevant
    assert result.matched == {}


def test_threshold_decides_relevant() -> None:
    body = "Pj Bupati meminta pegawai netral saat Pilkada."
    score = LexiconScorer().score("", body).score
    assert 0.0 < score < 1.0
    assert LexiconScorer(threshold=score).score("", body).relevant
    assert not LexiconScorer(threshold=min(1.0, score + 0.01)).score("", body).relevant


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_out_of_range_is_rejected(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        LexiconScorer(threshold=threshold)


# --- pluggability --------------------------------------------------------------------------


class _KeywordScorer:
    """A trivial alternative scorer, the shape a learned model would have."""

    name = "keyword-test"

    def score(self, title: str, body: str) -> Relevance:
        hit = "netral" in f"{title} {body}".lower()
        return Relevance(score=float(hit), relevant=hit, threshold=0.5, scorer=self.name)


def _run_stage(scorer: Scorer, title: str, body: str) -> Relevance:
    return scorer.score(title, body)


def test_alternative_scorer_satisfies_protocol() -> None:
    alternative = _KeywordScorer()
    assert isinstance(alternative, Scorer)
    assert _run_stage(alternative, "Netralitas", "").relevant
    assert not _run_stage(alternative, "Cuaca", "Hujan deras").relevant


def test_default_scorer_is_the_cached_learned_layer_over_the_lexicon() -> None:
    first = default_scorer()
    assert isinstance(first, Scorer)
    assert isinstance(first, LearnedScorer)
    assert isinstance(first.lexicon_scorer, LexiconScorer)
    assert default_scorer() is first
    assert load_lexicon() is load_lexicon()


def test_custom_lexicon_plugs_in() -> None:
    lexicon = Lexicon.from_mapping(
        {
            "groups": {
                "actor": [{"label": "guard", "terms": {"satpam": ["petugas keamanan"]}}],
                "neutrality": [{"label": "neutrality", "terms": {"netral": []}}],
                "election": [{"label": "election", "terms": {"pemilihan rt": []}}],
            }
        },
        fuzzy=False,
    )
    result = LexiconScorer(lexicon, name="custom").score("", "Petugas keamanan harus netral pada pemilihan RT.")
    assert result.actors == ["guard"]
    assert result.relevant
    assert result.scorer == "custom"


def test_lexicon_rejects_unknown_group() -> None:
    with pytest.raises(ValueError, match="unknown lexicon group"):
        Lexicon.from_mapping({"groups": {"actors": [{"label": "x", "terms": {"a": []}}]}})


def test_lexicon_rejects_a_spelling_with_two_meanings() -> None:
    with pytest.raises(ValueError, match="maps to both"):
        Lexicon.from_mapping(
            {
                "groups": {
                    "actor": [{"label": "asn", "terms": {"asn": []}}],
                    "election": [{"label": "election", "terms": {"pilkada": ["a-s-n"]}}],
                }
            }
        )


def test_lexicon_rejects_a_term_listed_in_two_entries() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Lexicon.from_mapping(
            {
                "groups": {
                    "actor": [{"label": "asn", "terms": {"asn": ["aparatur"]}}],
                    "signal": [{"label": "conduct", "terms": {"hadir": ["aparatur"]}}],
                }
            },
            fuzzy=False,
        )


def test_packaged_lexicon_has_every_group() -> None:
    groups = {term.group for term in load_lexicon().terms}
    assert groups == {
        "actor",
        "neutrality",
        "election",
        "oversight",
        "appeal",
        "non_target",
        "other_sense",
        "government",
        "context",
        "signal",
    }


# --- seed articles -------------------------------------------------------------------------


def test_seed_articles_are_relevant(scorer: LexiconScorer) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS}")
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5
    for path in files:
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        result = scorer.score(title.strip(), body)
        assert result.relevant, (path.name, result)
        assert "asn" in result.actors, (path.name, result.actors)


def test_invalid_lexicon_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("groups:\n  actor:\n    - label: asn\n      weight: 2\n      terms: {asn: []}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lexicon\.yaml: groups\.actor\.0\.weight: Input should be less than"):
        Lexicon.from_yaml(path)
    path.write_text("groups:\n  actor:\n    - label: asn\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lexicon\.yaml: groups\.actor\.0\.terms: Field required"):
        Lexicon.from_yaml(path)
