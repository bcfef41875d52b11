"""Region tagging: the gazetteer, aliases, disambiguation, scoring and the seed articles.

Every text here is written for the test; none is taken from a real article.
"""

from __future__ import annotations

from importlib import resources

import pytest

from pantau.enrich.region import tag_regions
from pantau.enrich.region.gazetteer import ALIASES_RESOURCE, Gazetteer, GazetteerError, load_gazetteer, parse_aliases
from pantau.schema import RegionTags
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


def code_of(gazetteer: Gazetteer, official_name: str) -> str:
    """The code of the region with this official name, so expectations never hard-code codes."""
    matches = [r.code for r in gazetteer.regions.values() if r.name == official_name]
    assert len(matches) == 1, official_name
    return matches[0]


def primary(tags: RegionTags) -> str | None:
    return tags.primary.code if tags.primary else None


def codes(tags: RegionTags) -> set[str]:
    return {r.code for r in tags.mentioned}


def rules(tags: RegionTags, code: str) -> set[str]:
    return {e.rule for e in tags.evidence if e.region_code == code}


# --- gazetteer -------------------------------------------------------------------------


def test_gazetteer_has_every_province_and_regency(gazetteer: Gazetteer) -> None:
    provinces = gazetteer.provinces()
    regencies = gazetteer.regencies()
    assert len(provinces) == 38
    assert len(regencies) == 514
    assert {r.type for r in regencies} == {"kabupaten", "kota"}
    province_codes = {p.code for p in provinces}
    for regency in regencies:
        head, _, tail = regency.code.partition(".")
        assert head in province_codes and len(tail) == 2
        assert regency.province_code == head
        assert regency.province_name == gazetteer.region(head).name


def test_gazetteer_is_loaded_once() -> None:
    assert load_gazetteer() is load_gazetteer()


def test_lookup_is_by_bare_name_and_any_case(gazetteer: Gazetteer) -> None:
    lumajang = code_of(gazetteer, "Kabupaten Lumajang")
    assert gazetteer.lookup("Lumajang") == (lumajang,)
    assert gazetteer.lookup("LUMAJANG") == (lumajang,)
    both = set(gazetteer.lookup("Bandung"))
    assert both == {code_of(gazetteer, "Kabupaten Bandung"), code_of(gazetteer, "Kota Bandung")}


# --- aliases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "official"),
    [
        ("Jatim", "Jawa Timur"),
        ("Jateng", "Jawa Tengah"),
        ("Jabar", "Jawa Barat"),
        ("Kalteng", "Kalimantan Tengah"),
        ("Kalbar", "Kalimantan Barat"),
        ("Kaltara", "Kalimantan Utara"),
        ("NTB", "Nusa Tenggara Barat"),
        ("NTT", "Nusa Tenggara Timur"),
        ("Sumut", "Sumatera Utara"),
        ("Sulsel", "Sulawesi Selatan"),
        ("Sultra", "Sulawesi Tenggara"),
        ("DIY", "Daerah Istimewa Yogyakarta"),
        ("Babel", "Kepulauan Bangka Belitung"),
        ("Kepri", "Kepulauan Riau"),
        ("Malut", "Maluku Utara"),
    ],
)
def test_province_abbreviations(gazetteer: Gazetteer, alias: str, official: str) -> None:
    tags = tag_regions("Netralitas ASN", f"Ribuan ASN di {alias} diminta menjaga netralitas.")
    assert primary(tags) == code_of(gazetteer, official)
    assert tags.scope == "province"
    assert rules(tags, code_of(gazetteer, official)) == {"alias"}


@pytest.mark.parametrize(
    ("alias", "official"),
    [
        ("Lotim", "Kabupaten Lombok Timur"),
        ("Lobar", "Kabupaten Lombok Barat"),
        ("Loteng", "Kabupaten Lombok Tengah"),
        ("KLU", "Kabupaten Lombok Utara"),
        ("Kotim", "Kabupaten Kotawaringin Timur"),
        ("Kobar", "Kabupaten Kotawaringin Barat"),
        ("Kukar", "Kabupaten Kutai Kartanegara"),
        ("Kutim", "Kabupaten Kutai Timur"),
        ("Inhu", "Kabupaten Indragiri Hulu"),
        ("Inhil", "Kabupaten Indragiri Hilir"),
        ("Tangsel", "Kota Tangerang Selatan"),
    ],
)
def test_regency_abbreviations(gazetteer: Gazetteer, alias: str, official: str) -> None:
    tags = tag_regions(f"ASN {alias} diminta netral", f"Pemkab {alias} mengingatkan pegawai agar netral.")
    assert primary(tags) == code_of(gazetteer, official)


@pytest.mark.parametrize(
    ("spelling", "official"),
    [
        ("Palangka Raya", "Kota Palangkaraya"),
        ("Palangkaraya", "Kota Palangkaraya"),
        ("Tanjungpinang", "Kota Tanjung Pinang"),
        ("Tanjung Pinang", "Kota Tanjung Pinang"),
        ("Pangkalpinang", "Kota Pangkal Pinang"),
        ("Bandarlampung", "Kota Bandar Lampung"),
        ("Bandar Lampung", "Kota Bandar Lampung"),
        ("Tulung Agung", "Kabupaten Tulungagung"),
        ("Banyu Asin", "Kabupaten Banyuasin"),
        ("Pematang Siantar", "Kota Pematangsiantar"),
        ("Baubau", "Kota Bau Bau"),
        ("Bau-Bau", "Kota Bau Bau"),
        ("Tojo Una-Una", "Kabupaten Tojo Una Una"),
    ],
)
def test_spelling_variants(gazetteer: Gazetteer, spelling: str, official: str) -> None:
    tags = tag_regions("Apel netralitas", f"Apel netralitas ASN digelar di {spelling} pekan ini.")
    assert primary(tags) == code_of(gazetteer, official)


def test_kota_baru_spelling_needs_a_cue(gazetteer: Gazetteer) -> None:
    kotabaru = code_of(gazetteer, "Kabupaten Kotabaru")
    assert primary(tag_regions("Apel", "Bupati Kota Baru memimpin apel netralitas.")) == kotabaru
    # "Ibu Kota Baru", the new capital, is not the regency.
    assert codes(tag_regions("IKN", "Pembangunan Ibu Kota Baru terus berjalan.")) == set()


@pytest.mark.parametrize(
    "form",
    [
        "Pemkab {k}",
        "Bupati {k}",
        "Pj Bupati {k}",
        "Penjabat Bupati {k}",
        "Wakil Bupati {k}",
        "Bawaslu {k}",
        "KPU {k}",
        "Sekda {k}",
        "DPRD {k}",
        "Polres {k}",
        "Kodim {k}",
        "Kasatpol PP {k}",
        "Pilkada {k}",
    ],
)
def test_institutional_forms_name_the_regency(gazetteer: Gazetteer, form: str) -> None:
    body = "Dalam apel pagi, " + form.format(k="Lumajang") + " meminta pegawai menjaga netralitas."
    tags = tag_regions("Apel netralitas", body)
    lumajang = code_of(gazetteer, "Kabupaten Lumajang")
    assert primary(tags) == lumajang
    assert rules(tags, lumajang) == {"institution"}
    evidence = tags.evidence[0]
    # The span covers the cue words that decided it ("Bupati Lumajang" inside "Pj Bupati ...").
    assert body[evidence.start : evidence.end] == evidence.text
    assert form.format(k="Lumajang").endswith(evidence.text) and evidence.text != "Lumajang"


@pytest.mark.parametrize("form", ["Pemkot {k}", "Wali Kota {k}", "Walikota {k}", "Pj Wali Kota {k}"])
def test_city_institutions_pick_the_kota(gazetteer: Gazetteer, form: str) -> None:
    tags = tag_regions("Apel", form.format(k="Kediri") + " memimpin apel netralitas.")
    assert primary(tags) == code_of(gazetteer, "Kota Kediri")
    assert rules(tags, code_of(gazetteer, "Kota Kediri")) == {"institution"}


def test_province_institutions(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Apel", "Pemprov Jatim dan Gubernur Jawa Timur meminta ASN netral.")
    jatim = code_of(gazetteer, "Jawa Timur")
    assert primary(tags) == jatim
    assert rules(tags, jatim) == {"institution"}


@pytest.mark.parametrize(
    "opening",
    [
        "LUMAJANG, MEMORANDUM.CO.ID - ",
        "Lumajang (ANTARA) - ",
        "LUMAJANG - ",
        "Lumajang, 3/10 (Kabar Desa) -- ",
        "Kab. Lumajang (Warta Timur) – ",
    ],
)
def test_dateline_forms(gazetteer: Gazetteer, opening: str) -> None:
    body = "Foto: Pegawai mengikuti apel pagi.\n\n" + opening + "Para pegawai diminta menjaga netralitas."
    tags = tag_regions("Pegawai diminta netral", body)
    lumajang = code_of(gazetteer, "Kabupaten Lumajang")
    assert primary(tags) == lumajang
    assert "dateline" in rules(tags, lumajang)


def test_dateline_with_two_word_place(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Deklarasi", "Lombok Timur (kabar ntb) -- Pegawai daerah menggelar deklarasi netral.")
    assert primary(tags) == code_of(gazetteer, "Kabupaten Lombok Timur")
    assert tags.evidence[0].rule == "dateline"


def test_dateline_after_the_outlet_domain(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Pegawai diminta netral", "KABARJATIM.co.id, JEMBER - Pegawai diminta netral.")
    assert primary(tags) == code_of(gazetteer, "Kabupaten Jember")
    assert tags.evidence[0].rule == "dateline"


def test_related_story_links_are_ignored(gazetteer: Gazetteer) -> None:
    body = (
        "Bupati Jember meminta pegawai netral.\n"
        "BACA JUGA: Pemkot Surabaya dan Pemkab Gresik teken kerja sama\n"
        "Baca juga: Wali Kota Madiun resmikan pasar\n"
        "Sekda Jember menutup acara."
    )
    tags = tag_regions("Apel netralitas", body)
    assert codes(tags) == {code_of(gazetteer, "Kabupaten Jember")}


def test_outlet_name_at_line_start_is_not_a_dateline() -> None:
    tags = tag_regions("Netral", "WARTAKITA.COM - Pegawai diminta netral selama tahapan pilkada.")
    assert tags.primary is None and tags.mentioned == []


# --- kota versus kabupaten -------------------------------------------------------------

SHARED_NAMES = [
    "Bandung",
    "Bogor",
    "Malang",
    "Kediri",
    "Blitar",
    "Madiun",
    "Probolinggo",
    "Pasuruan",
    "Mojokerto",
    "Magelang",
    "Tegal",
    "Pekalongan",
    "Cirebon",
    "Tasikmalaya",
    "Sukabumi",
    "Bekasi",
    "Tangerang",
    "Serang",
    "Solok",
    "Kupang",
    "Sorong",
    "Jayapura",
    "Bima",
    "Semarang",
]


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_explicit_cues_separate_kota_and_kabupaten(gazetteer: Gazetteer, name: str) -> None:
    kota = code_of(gazetteer, f"Kota {name}")
    kabupaten = code_of(gazetteer, f"Kabupaten {name}")
    for text, expected in [
        (f"Pemerintah Kota {name} menggelar apel.", kota),
        (f"Wali Kota {name} memimpin apel.", kota),
        (f"Pemkot {name} menggelar apel.", kota),
        (f"Pemerintah Kabupaten {name} menggelar apel.", kabupaten),
        (f"Pemkab {name} menggelar apel.", kabupaten),
        (f"Bupati {name} memimpin apel.", kabupaten),
        (f"Kab. {name} menggelar apel.", kabupaten),
    ]:
        assert primary(tag_regions("Apel netralitas", text)) == expected, text


def test_bare_shared_name_follows_the_offices_spoken_of(gazetteer: Gazetteer) -> None:
    kota = code_of(gazetteer, "Kota Malang")
    kabupaten = code_of(gazetteer, "Kabupaten Malang")
    bupati = tag_regions("ASN Malang diminta netral", "Menjelang Pilbup, bupati meminta ASN netral.")
    walkot = tag_regions("ASN Malang diminta netral", "Menjelang Pilwalkot, wali kota meminta ASN netral.")
    assert primary(bupati) == kabupaten
    assert primary(walkot) == kota


def test_bare_shared_name_follows_its_cued_mention(gazetteer: Gazetteer) -> None:
    body = "Bupati Kediri meminta pegawai netral. Warga Kediri diminta melapor bila melihat pelanggaran."
    tags = tag_regions("Netralitas", body)
    assert codes(tags) == {code_of(gazetteer, "Kabupaten Kediri")}


def test_bare_shared_name_defaults_to_the_kota_and_home_breaks_the_tie(gazetteer: Gazetteer) -> None:
    title, body = "ASN Blitar diminta netral", "Pegawai di Blitar diminta netral."
    assert primary(tag_regions(title, body)) == code_of(gazetteer, "Kota Blitar")
    kabupaten = code_of(gazetteer, "Kabupaten Blitar")
    assert primary(tag_regions(title, body, home_region=kabupaten)) == kabupaten


def test_bare_province_name_shared_with_a_city(gazetteer: Gazetteer) -> None:
    province, kota = code_of(gazetteer, "Bengkulu"), code_of(gazetteer, "Kota Bengkulu")
    assert primary(tag_regions("Netral", "Gubernur Bengkulu meminta ASN netral.")) == province
    assert primary(tag_regions("Netral", "ASN di Bengkulu diminta netral.")) == province
    assert primary(tag_regions("Netral", "Wali Kota Bengkulu meminta ASN di Bengkulu netral.")) == kota


# --- names inside other names ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("Bawaslu Rejang Lebong mengawasi ASN.", "Kabupaten Rejang Lebong", "Kabupaten Lebong"),
        ("Bawaslu Lebong mengawasi ASN.", "Kabupaten Lebong", "Kabupaten Rejang Lebong"),
        ("Bupati Toraja Utara meminta ASN netral.", "Kabupaten Toraja Utara", "Kabupaten Tana Toraja"),
        ("Bupati Tana Toraja meminta ASN netral.", "Kabupaten Tana Toraja", "Kabupaten Toraja Utara"),
        ("Pemkab Lampung Selatan meminta ASN netral.", "Kabupaten Lampung Selatan", "Lampung"),
        ("Pemprov Lampung meminta ASN netral.", "Lampung", "Kabupaten Lampung Selatan"),
        ("Bupati Bengkulu Utara meminta ASN netral.", "Kabupaten Bengkulu Utara", "Bengkulu"),
        ("Bupati Aceh Besar meminta ASN netral.", "Kabupaten Aceh Besar", "Aceh"),
        ("Pj Gubernur Aceh meminta ASN netral.", "Aceh", "Kabupaten Aceh Besar"),
        ("Wali Kota Banda Aceh meminta ASN netral.", "Kota Banda Aceh", "Aceh"),
    ],
)
def test_longest_name_wins(gazetteer: Gazetteer, text: str, expected: str, absent: str) -> None:
    tags = tag_regions("Netralitas", text)
    assert primary(tags) == code_of(gazetteer, expected)
    assert code_of(gazetteer, absent) not in codes(tags)


def test_span_belongs_to_one_region_only() -> None:
    tags = tag_regions("Netralitas", "Bawaslu Rejang Lebong mengawasi ASN.")
    spans = [(e.field, e.start, e.end) for e in tags.evidence]
    assert len(spans) == 1


# --- names that are ordinary words or people's names ---------------------------------

RISKY = {
    "Agam": "Kabupaten Agam",
    "Batu": "Kota Batu",
    "Lebak": "Kabupaten Lebak",
    "Pati": "Kabupaten Pati",
    "Kaur": "Kabupaten Kaur",
    "Bone": "Kabupaten Bone",
    "Bungo": "Kabupaten Bungo",
    "Paser": "Kabupaten Paser",
    "Buru": "Kabupaten Buru",
    "Muna": "Kabupaten Muna",
    "Nias": "Kabupaten Nias",
    "Malaka": "Kabupaten Malaka",
    "Karo": "Kabupaten Karo",
    "Metro": "Kota Metro",
}


@pytest.mark.parametrize("name", sorted(RISKY))
def test_risky_name_needs_a_cue(gazetteer: Gazetteer, name: str) -> None:
    code = code_of(gazetteer, RISKY[name])
    bare = tag_regions("Kabar hari ini", f"{name} menjadi bahan perbincangan warga pekan ini.")
    lower = tag_regions("Kabar hari ini", f"Warga membicarakan {name.lower()} pekan ini.")
    assert code not in codes(bare)
    assert code not in codes(lower)
    kind = "Kota" if RISKY[name].startswith("Kota") else "Kabupaten"
    cued = tag_regions("Apel", f"Pemerintah {kind} {name} menggelar apel netralitas.")
    assert primary(cued) == code
    dateline = tag_regions("Apel", f"{name.upper()}, KABARKITA - Pegawai menggelar apel netralitas.")
    assert primary(dateline) == code


def test_risky_name_with_its_province_after_it(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Deklarasi", "Deklarasi netralitas digelar di Kaur, Bengkulu, pekan ini.")
    assert primary(tags) == code_of(gazetteer, "Kabupaten Kaur")
    assert rules(tags, code_of(gazetteer, "Bengkulu")) == {"parent_apposition"}


def test_risky_name_after_a_preposition_in_its_province(gazetteer: Gazetteer) -> None:
    pati = code_of(gazetteer, "Kabupaten Pati")
    in_province = tag_regions("Jateng", "Pemprov Jateng memantau pilkada di Pati dan sekitarnya.")
    elsewhere = tag_regions("Jatim", "Pemprov Jatim memantau pilkada di Pati dan sekitarnya.")
    assert pati in codes(in_province)
    assert pati not in codes(elsewhere)


def test_abbreviations_that_are_common_acronyms_need_a_cue(gazetteer: Gazetteer) -> None:
    tana_tidung = code_of(gazetteer, "Kabupaten Tana Tidung")
    assert tana_tidung not in codes(tag_regions("KTT", "Presiden menghadiri KTT ASEAN di Laos."))
    assert primary(tag_regions("Apel", "Bupati KTT memimpin apel netralitas.")) == tana_tidung


def test_village_official_title_is_not_kaur(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Perangkat desa", "Kaur Pemerintahan dan Kaur Keuangan desa diminta netral.")
    assert code_of(gazetteer, "Kabupaten Kaur") not in codes(tags)


def test_risky_bare_name_counts_once_established(gazetteer: Gazetteer) -> None:
    agam = code_of(gazetteer, "Kabupaten Agam")
    tags = tag_regions("Bupati Agam minta ASN netral", "Pegawai di Agam diminta menjaga netralitas.")
    assert [e.region_code for e in tags.evidence] == [agam, agam]


def test_risky_name_opening_a_sentence_is_a_word(gazetteer: Gazetteer) -> None:
    batu = code_of(gazetteer, "Kota Batu")
    body = "Bawaslu Kota Batu mengawasi ASN. Batu besar menutup jalan desa. Di Batu, ASN diminta netral."
    tags = tag_regions("Pengawasan", body)
    starts = [e.start for e in tags.evidence if e.region_code == batu]
    assert starts == [body.index("Kota Batu"), body.index("Di Batu") + 3]


def test_risky_name_followed_by_a_surname_is_a_person(gazetteer: Gazetteer) -> None:
    agam = code_of(gazetteer, "Kabupaten Agam")
    body = "Bupati Agam meminta ASN netral. Agam Pratama, seorang warga, ikut hadir."
    tags = tag_regions("Apel", body)
    assert [e.start for e in tags.evidence if e.region_code == agam] == [0]
    alone = tag_regions("Tokoh muda", "Agam Pratama meminta anak muda ikut memilih.")
    assert alone.mentioned == []


def test_name_after_a_personal_title_is_a_person(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Apel", "Wali Kota Bima hadir. Pak Bima, warga setempat, ikut apel.")
    assert len(tags.evidence) == 1


def test_non_risky_names_count_bare(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Pilkada", "Pilkada di Gowa dan Sinjai berjalan lancar.")
    assert codes(tags) == {code_of(gazetteer, "Kabupaten Gowa"), code_of(gazetteer, "Kabupaten Sinjai")}


@pytest.mark.parametrize(
    "text",
    [
        "Warga Desa Lumajang di Kecamatan Tegal menggelar kerja bakti.",
        "Kantor itu berada di Jalan Sumatera dan Jl. Bali.",
        "Wisatawan memadati Danau Toba dan Selat Malaka.",
        "Kapal melintas dari Sabang sampai Merauke.",
    ],
)
def test_places_that_are_not_the_region(text: str) -> None:
    assert tag_regions("Kabar", text).mentioned == []


def test_lower_case_names_never_match() -> None:
    assert tag_regions("kabar", "pegawai di kota malang dan kabupaten lumajang diminta netral.").mentioned == []


# --- scoring, primary region and scope --------------------------------------------------


def test_upper_case_dateline_alone_decides(gazetteer: Gazetteer) -> None:
    body = "Keterangan foto: apel pagi.\n\nPROBOLINGGO, KABARJATIM - Menjelang pilbup, pegawai diminta netral."
    tags = tag_regions("Pegawai diminta netral", body)
    assert primary(tags) == code_of(gazetteer, "Kabupaten Probolinggo")
    assert tags.scope == "regency"


def test_province_beside_the_regency_does_not_displace_it(gazetteer: Gazetteer) -> None:
    body = (
        "Sukamara (Kabar Borneo) - Penjabat Bupati Sukamara, Kalimantan Tengah, meminta ASN netral. "
        "Ia menyampaikannya di Sukamara, Kalteng, kemarin."
    )
    tags = tag_regions("Pj Bupati Sukamara minta ASN netral", body)
    sukamara, kalteng = code_of(gazetteer, "Kabupaten Sukamara"), code_of(gazetteer, "Kalimantan Tengah")
    assert primary(tags) == sukamara
    assert tags.scope == "regency"
    assert kalteng in codes(tags)
    assert rules(tags, kalteng) == {"parent_apposition"}


def test_province_officials_beside_a_regency_event(gazetteer: Gazetteer) -> None:
    body = (
        "Pemerintah Kabupaten Lombok Timur menggelar deklarasi netralitas. Pj Gubernur NTB hadir. "
        "Bupati Lombok Timur membuka acara di Kantor Bupati Lombok Timur."
    )
    tags = tag_regions("Deklarasi netralitas ASN", body)
    assert primary(tags) == code_of(gazetteer, "Kabupaten Lombok Timur")
    assert tags.mentioned[1].code == code_of(gazetteer, "Nusa Tenggara Barat")


def test_province_story_with_a_passing_regency(gazetteer: Gazetteer) -> None:
    body = (
        "Pj Gubernur Jawa Timur meminta ASN Pemprov Jatim netral. Sekdaprov Jatim menambahkan "
        "bahwa pelanggaran akan ditindak. Peserta dari Lumajang ikut hadir."
    )
    tags = tag_regions("Gubernur Jatim minta ASN netral", body)
    assert primary(tags) == code_of(gazetteer, "Jawa Timur")
    assert tags.scope == "province"
    assert code_of(gazetteer, "Kabupaten Lumajang") in codes(tags)


def test_province_wide_story_over_several_regencies(gazetteer: Gazetteer) -> None:
    body = "Bawaslu Jatim mencatat pelanggaran di Kabupaten Jember, Kabupaten Lumajang dan Kota Malang."
    tags = tag_regions("Bawaslu catat pelanggaran netralitas", body)
    assert primary(tags) == code_of(gazetteer, "Jawa Timur")
    without_province = tag_regions("Kerja sama", "Pemkab Lumajang dan Pemkot Surabaya meneken kerja sama.")
    assert primary(without_province) == code_of(gazetteer, "Kabupaten Lumajang")


@pytest.mark.parametrize(
    ("dateline", "province_words", "province"),
    [
        ("KENDARI, KABARSULTRA -", "Pj Gubernur Sultra meminta pegawai Pemprov Sultra", "Sulawesi Tenggara"),
        ("PALU -", "Kapolda Sulteng memerintahkan seluruh Polres di Sulawesi Tengah", "Sulawesi Tengah"),
        ("PALEMBANG -", "Asprov PSSI Sumsel mengumpulkan wasit dari seluruh Sumatera Selatan", "Sumatera Selatan"),
    ],
)
def test_province_story_datelined_at_its_seat_is_the_province(
    gazetteer: Gazetteer, dateline: str, province_words: str, province: str
) -> None:
    body = f"{dateline} {province_words} agar bekerja tanpa memihak. Rapat digelar pekan ini."
    tags = tag_regions("Rapat koordinasi jelang pemungutan suara", body)
    assert primary(tags) == code_of(gazetteer, province)
    assert tags.scope == "province"
    seat = next(e for e in tags.evidence if e.rule == "dateline")
    assert seat.region_code != code_of(gazetteer, province)  # the dateline is still evidence, of the seat


def test_the_seat_itself_is_the_story_when_its_own_offices_are_named(gazetteer: Gazetteer) -> None:
    kendari = code_of(gazetteer, "Kota Kendari")
    cued = tag_regions("Pemkot Kendari tata pasar", "KENDARI - Pj Gubernur Sultra meninjau pasar dan Pemkot Kendari.")
    assert primary(cued) == kendari
    own_election = tag_regions(
        "KPID Sultra tegur televisi lokal",
        "KENDARI - KPID Sultra menegur televisi di Kendari yang berat sebelah memberitakan calon wali kota.",
    )
    assert primary(own_election) == kendari


def test_a_regency_seat_in_the_dateline_settles_a_shared_name(gazetteer: Gazetteer) -> None:
    body = "KAJEN - Kapolres Pekalongan meminta kepala desa se-Kabupaten Pekalongan menjaga kerukunan warga."
    assert primary(tag_regions("Kades diminta jaga kerukunan", body)) == code_of(gazetteer, "Kabupaten Pekalongan")
    seat_only = tag_regions("Warga antre air bersih", "KEPANJEN - Warga Desa Sumberpucung antre air bersih, Malang.")
    assert primary(seat_only) == code_of(gazetteer, "Kabupaten Malang")


def test_se_prefix_keeps_the_type_cue(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Apel", "Kepala desa se-Kabupaten Blitar mengikuti apel bersama.")
    assert primary(tags) == code_of(gazetteer, "Kabupaten Blitar")
    assert rules(tags, code_of(gazetteer, "Kabupaten Blitar")) == {"explicit_type"}


def test_a_navy_base_names_its_regency(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Lanal Lingga selamatkan nelayan", "Tim Lanal Lingga menolong tiga nelayan di laut.")
    assert primary(tags) == code_of(gazetteer, "Kabupaten Lingga")


@pytest.mark.parametrize(
    "institution",
    ["Universitas Riau", "KRI Makassar", "PT Semen Padang", "Bank Jatim", "TVRI Sulsel", "Politeknik Ambon"],
)
def test_institutions_named_after_another_place_are_not_mentions(gazetteer: Gazetteer, institution: str) -> None:
    tags = tag_regions("Kerja sama", f"LUMAJANG - Pemkab Lumajang meneken kerja sama dengan {institution}.")
    assert [r.code for r in tags.mentioned] == [code_of(gazetteer, "Kabupaten Lumajang")]


def test_the_torajan_rite_is_not_solo(gazetteer: Gazetteer) -> None:
    tags = tag_regions("Upacara Rambu Solo' digelar", "Warga Kabupaten Toraja Utara menggelar Rambu Solo' pekan ini.")
    assert primary(tags) == code_of(gazetteer, "Kabupaten Toraja Utara")
    assert code_of(gazetteer, "Kota Surakarta") not in codes(tags)


def test_capitals_must_lie_in_their_province() -> None:
    text = resources.files("pantau.enrich.region").joinpath(ALIASES_RESOURCE).read_text("utf-8")
    broken = text.replace('"74": ["74.71"]', '"74": ["73.71"]')
    aliases = parse_aliases(broken)
    with pytest.raises(GazetteerError, match="capitals"):
        Gazetteer.from_aliases(aliases)


def test_repeated_mentions_add_up(gazetteer: Gazetteer) -> None:
    body = "Bawaslu Jember dan Bawaslu Bondowoso hadir. Bupati Jember berpesan. Sekda Jember menutup acara."
    tags = tag_regions("Apel netralitas", body)
    assert primary(tags) == code_of(gazetteer, "Kabupaten Jember")


def test_home_region_is_only_a_tie_breaker(gazetteer: Gazetteer) -> None:
    jember, bondowoso = code_of(gazetteer, "Kabupaten Jember"), code_of(gazetteer, "Kabupaten Bondowoso")
    body = "Bawaslu Jember dan Bawaslu Bondowoso menggelar apel bersama."
    assert primary(tag_regions("Apel", body, home_region=bondowoso)) == bondowoso
    assert primary(tag_regions("Apel", body, home_region=jember)) == jember
    stronger = "Bupati Jember, Sekda Jember dan Bawaslu Bondowoso menggelar apel."
    assert primary(tag_regions("Apel", stronger, home_region=bondowoso)) == jember
    empty = tag_regions("Netralitas", "Pegawai diminta netral.", home_region=jember)
    assert empty.primary is None and empty.mentioned == [] and empty.scope == "unknown"


def test_national_scope(gazetteer: Gazetteer) -> None:
    body = "Jakarta (ANTARA) - BKN mencatat ratusan ASN di seluruh Indonesia melanggar netralitas."
    tags = tag_regions("BKN catat pelanggaran netralitas", body)
    assert tags.scope == "national"
    assert tags.primary is None
    assert code_of(gazetteer, "Daerah Khusus Ibukota Jakarta") in codes(tags)


def test_national_scope_with_scattered_regions() -> None:
    body = (
        "Kemendagri mencatat pelanggaran di Kabupaten Lumajang, Kota Medan, Kabupaten Sukamara "
        "dan Kota Makassar selama tahapan pilkada di seluruh Indonesia."
    )
    tags = tag_regions("Kemendagri catat pelanggaran", body)
    assert tags.scope == "national"
    assert len(tags.mentioned) == 4


def test_local_story_with_national_words_stays_local(gazetteer: Gazetteer) -> None:
    body = "Bupati Jember meminta ASN mematuhi surat edaran Kemendagri dan BKN. Sekda Jember menegaskannya."
    tags = tag_regions("Bupati Jember minta ASN netral", body)
    assert primary(tags) == code_of(gazetteer, "Kabupaten Jember")
    assert tags.scope == "regency"


def test_no_place_no_tags() -> None:
    tags = tag_regions("Netralitas", "Pegawai diminta netral selama pilkada.")
    assert tags == RegionTags(scope="unknown")


def test_evidence_offsets_point_into_their_field() -> None:
    title = "Pemkab Lumajang minta ASN netral"
    body = "LUMAJANG, KABARKITA - Sekda Lumajang dan KPU Lumajang hadir di Lumajang, Jawa Timur."
    tags = tag_regions(title, body)
    fields = {"title": title, "body": body}
    assert len(tags.evidence) == 6
    for e in tags.evidence:
        assert fields[e.field][e.start : e.end] == e.text
    assert [e.rule for e in tags.evidence] == [
        "institution",
        "dateline",
        "institution",
        "institution",
        "bare_name",
        "parent_apposition",
    ]


# --- the seed articles (acceptance) -----------------------------------------------------


def _seed_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (SEEDS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].endswith(".txt"):
            table[cells[0]] = cells[4]
    return table


def _split_seed(text: str) -> tuple[str, str]:
    """A seed file opens with its title line when that line stands alone."""
    head, sep, rest = text.partition("\n\n")
    if sep and "\n" not in head.strip() and len(head) < 200:
        return head.strip(), rest
    return "", text


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not present at {SEEDS}")
def test_seed_articles_get_their_regency() -> None:
    table = _seed_table()
    assert len(table) == 5
    for name, expected in table.items():
        title, body = _split_seed((SEEDS / name).read_text(encoding="utf-8"))
        tags = tag_regions(title, body)
        assert primary(tags) == expected, name
        assert tags.scope == "regency", name


def test_invalid_alias_file_names_the_file_and_the_field() -> None:
    text = (resources.files("pantau.enrich.region") / ALIASES_RESOURCE).read_text("utf-8")
    assert parse_aliases(text).risky  # the packaged file is valid
    broken = text.replace("  locative: [", "  locative: [' ', ", 1)
    with pytest.raises(GazetteerError, match=r"^aliases\.yaml: cues\.locative\.0: Value error, must not be blank"):
        parse_aliases(broken, "aliases.yaml")
    with pytest.raises(GazetteerError, match=r"^aliases\.yaml: national_phrases: Field required"):
        parse_aliases(text.replace("national_phrases:", "national_phrase:"), "aliases.yaml")
