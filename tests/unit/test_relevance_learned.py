"""The learned relevance layer: features, the shipped model, the record, and training.

Every text here is written for the test; none is taken from a real article.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from pantau.enrich.relevance import (
    Features,
    LearnedScorer,
    Lexicon,
    LexiconScorer,
    LinearModel,
    ModelError,
    Scorer,
    Vocabulary,
    default_scorer,
    features,
    load_model,
)
from pantau.enrich.relevance.learned import MODEL_RESOURCE
from pantau.enrich.relevance.model_features import GRAM_CHARS, useful
from pantau.evaluation import load_jsonl
from tests.conftest import REPO

EVAL = REPO / "tests" / "eval"


@pytest.fixture(scope="module")
def scorer() -> LearnedScorer:
    return LearnedScorer()


# --- what the layer adds to the lexicon ----------------------------------------------------

CONDUCT = {
    "aid_with_sticker": (
        "Kades Bagikan Sembako Berstiker Calon Bupati",
        "Seorang kepala desa membagikan paket sembako yang ditempeli stiker calon bupati nomor urut 2 "
        "kepada warga. Bawaslu memanggil kepala desa itu untuk dimintai keterangan.",
    ),
    "office_car_at_rally": (
        "Mobil Dinas Kecamatan Terparkir di Lokasi Kampanye",
        "Staf kecamatan membawa mobil dinas ke lokasi kampanye calon bupati. Panwascam memotret pelat "
        "merah kendaraan itu dan memeriksa staf tersebut.",
    ),
    "principal_presses_teachers": (
        "Kepala Sekolah Minta Guru Pilih Calon Tertentu",
        "Kepala sekolah sebuah SMP negeri meminta guru honorer memilih salah satu calon bupati dan "
        "mengaitkannya dengan perpanjangan kontrak. Para guru melapor ke Bawaslu.",
    ),
}

NOT_THE_TOPIC = {
    "police_escort_logistics": (
        "Polres Kawal Distribusi Logistik Pilkada",
        "Polres mengerahkan ratusan personel untuk mengawal distribusi kotak suara dan surat suara ke "
        "kecamatan. Pengawalan dilakukan bersama TNI hingga seluruh logistik tiba di gudang PPK.",
    ),
    "civil_servants_as_poll_workers": (
        "Ratusan Guru PNS Jadi Anggota KPPS",
        "KPU mencatat ratusan guru berstatus PNS lolos seleksi anggota KPPS. Ketua KPU menyebut tidak "
        "ada larangan selama mereka mendapat izin atasan dan bekerja sesuai aturan penyelenggara.",
    ),
    "resigned_to_run": (
        "Mantan Kepala Dinas Mundur dari ASN, Daftar Calon Bupati",
        "Mantan kepala dinas mengundurkan diri dari status ASN dan mendaftar sebagai calon bupati ke "
        "KPU. Ia datang bersama pasangannya dan ratusan pendukung.",
    ),
    "village_head_election": (
        "Pilkades Serentak Digelar Tahun Depan",
        "Pemkab menjadwalkan pemilihan kepala desa serentak di 80 desa tahun depan. Panitia pilkades "
        "diminta menyiapkan daftar pemilih sejak awal.",
    ),
}


@pytest.mark.parametrize("case", sorted(CONDUCT))
def test_partisan_conduct_without_a_neutrality_word_is_relevant(scorer: LearnedScorer, case: str) -> None:
    title, body = CONDUCT[case]
    assert "netral" not in f"{title} {body}".lower()
    result = scorer.score(title, body)
    assert result.relevant, result
    assert result.actors, "the actors named are kept even without a neutrality pair"


@pytest.mark.parametrize("case", sorted(NOT_THE_TOPIC))
def test_election_news_with_apparatus_in_it_is_not_relevant(scorer: LearnedScorer, case: str) -> None:
    title, body = NOT_THE_TOPIC[case]
    result = scorer.score(title, body)
    assert not result.relevant, result


def test_the_learned_layer_reaches_what_the_lexicon_formula_cannot(scorer: LearnedScorer) -> None:
    title, body = CONDUCT["principal_presses_teachers"]
    assert not LexiconScorer().score(title, body).relevant
    assert scorer.score(title, body).relevant


# --- the record -----------------------------------------------------------------------------


def test_the_record_names_the_terms_and_the_features_that_moved_the_score(scorer: LearnedScorer) -> None:
    title, body = CONDUCT["aid_with_sticker"]
    result = scorer.score(title, body)
    assert result.scorer == scorer.name == load_model().name
    assert result.threshold == load_model().threshold
    assert "actor" in result.matched and "kepala desa" in result.matched["actor"]
    named = result.matched["features"]
    assert 0 < len(named) <= 8
    assert all(f[0] in "+-" for f in named)
    assert any(f.startswith("+") for f in named)


def test_score_decides_relevance_and_is_deterministic(scorer: LearnedScorer) -> None:
    title, body = NOT_THE_TOPIC["police_escort_logistics"]
    first, second = scorer.score(title, body), scorer.score(title, body)
    assert first == second
    for result in (first, scorer.score(*CONDUCT["aid_with_sticker"])):
        assert 0.0 <= result.score <= 1.0
        assert result.relevant == (result.score >= result.threshold)
    assert scorer.probability(title, body) == pytest.approx(first.score, abs=1e-4)


def test_empty_article_is_not_relevant(scorer: LearnedScorer) -> None:
    result = scorer.score("", "")
    assert not result.relevant
    assert result.actors == [] and result.stages == []


def test_learned_scorer_satisfies_the_protocol_and_is_the_default() -> None:
    assert isinstance(default_scorer(), Scorer)
    assert isinstance(default_scorer(), LearnedScorer)


def test_features_of_equal_weight_are_named_by_name_whatever_their_order() -> None:
    # Two features with one weight (a group and its only label): which one the record names
    # must not depend on the order the article's sets happened to hold them in.
    model = LinearModel(
        name="t", threshold=0.5, bias=0.0, weights={"k:b": 0.5, "k:a": 0.5, "k:c": -0.9, "x": 0.1}, about={}
    )
    for dense in ({"k:b": 1.0, "k:a": 1.0, "k:c": 1.0}, {"k:c": 1.0, "k:a": 1.0, "k:b": 1.0}):
        _, named = model.weigh(Features(dense=dense, grams={"x"}), limit=2)
        assert named == ["-k:c", "+k:a"]


# --- features ---------------------------------------------------------------------------------


def test_features_name_the_lexicon_reading_and_the_words() -> None:
    reading = LexiconScorer().read(*CONDUCT["aid_with_sticker"])
    feats = features(reading)
    assert feats.dense["lex:score"] == reading.score
    assert feats.dense["kt:actor:village"] == 1.0  # "Kades" in the title
    assert any(name.startswith("co:actor&") for name in feats.dense)
    assert {"t:sembako", "t:berstiker calon", "kepala desa", "a:stiker"} <= feats.grams
    as_dict = feats.as_dict()
    assert as_dict["kepala desa"] == 1.0 and as_dict["lex:score"] == reading.score


def test_related_links_and_text_past_the_limit_give_no_words() -> None:
    body = (
        "Warga memperbaiki saluran irigasi.\nBACA JUGA: Kades Bagikan Amplop Calon\n"
        + "Pekerjaan berlangsung hingga sore. " * (GRAM_CHARS // 30)
        + "Kalimat terakhir menyebut kerbau."
    )
    grams = features(LexiconScorer().read("Irigasi diperbaiki", body)).grams
    assert "irigasi" in grams
    assert "amplop" not in grams
    assert "kerbau" not in grams


def test_scoring_weighs_exactly_what_the_spelt_out_features_give(scorer: LearnedScorer) -> None:
    # The vocabulary looks words up without spelling the n-grams out; it must agree with
    # the reference (features, then LinearModel.weigh) to the last bit and the last name.
    actor_across_the_cut = "Warga bekerja bakti. " * (GRAM_CHARS // 21) + "Kepala desa Müller berkampanye untuk calon."
    texts = [(item.title, item.body) for name in ("articles.jsonl", "dev2.jsonl") for item in load_jsonl(EVAL / name)]
    texts += [
        ("", ""),
        ("İbu Kades Ümmü", "ASN\xa0netral—kata Bupati. Camat berkampanye. " + actor_across_the_cut),
        ("Kades Bagikan Sembako", actor_across_the_cut + " Camat juga."),
    ]
    lexicon, model = scorer.lexicon_scorer, scorer.model
    # A vocabulary told of another lexicon spells the co-occurrence pairs out instead.
    unaware = Vocabulary(model, Lexicon({}))
    for title, body in texts:
        reading = lexicon.read(title, body)
        expected = model.weigh(features(reading))
        assert scorer.vocabulary.weigh(reading) == expected, title
        assert unaware.weigh(reading) == expected, title
        assert scorer.vocabulary.weigh(reading, limit=0) == model.weigh(features(reading), limit=0), title


def test_function_words_and_dates_are_not_useful_features() -> None:
    assert not useful("yang")
    assert not useful("t:di")
    assert not useful("senin")
    assert not useful("di dan")
    assert useful("di posko")
    assert useful("a:stiker")


# --- the model file ---------------------------------------------------------------------------


def test_shipped_model_is_trained_on_the_development_sets_only() -> None:
    model = load_model()
    about = model.about
    eval_sets = {p.name for p in (REPO / "tests" / "eval").glob("*.jsonl")}
    assert set(about["sets"]) <= eval_sets
    assert about["articles"] == sum(about["sets"].values())
    assert 0.0 < model.threshold < 1.0
    assert len(model.weights) >= 100


def test_model_round_trips_through_its_json_form() -> None:
    model = LinearModel("test-v0", 0.4, -1.5, {"kepala desa": 1.25, "lex:pair": 2.0}, {"note": "test"})
    again = LinearModel.from_mapping(json.loads(json.dumps(model.to_mapping())), source="test.json")
    assert again == model


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object"),
        ({"format": 99}, "format 99"),
        ({"format": 1, "name": "x", "threshold": 0.5, "bias": 0.0}, "missing field"),
        ({"format": 1, "name": "x", "threshold": 1.5, "bias": 0.0, "weights": {}}, "threshold must be in"),
        ({"format": 1, "name": "x", "threshold": 0.5, "bias": "high", "weights": {}}, "bad or missing field"),
    ],
)
def test_a_broken_model_file_is_refused_with_its_name(data: object, message: str) -> None:
    with pytest.raises(ModelError, match=message) as caught:
        LinearModel.from_mapping(data, source="broken.json")
    assert "broken.json" in str(caught.value)


def test_the_shipped_file_parses() -> None:
    text = resources.files("pantau.enrich.relevance").joinpath(MODEL_RESOURCE).read_text("utf-8")
    assert LinearModel.from_mapping(json.loads(text)) == load_model()


# --- training (needs the dev extra: scikit-learn) ---------------------------------------------


def test_threshold_is_the_lowest_near_best_that_keeps_precision() -> None:
    pytest.importorskip("sklearn")
    from pantau.enrich.relevance.train import choose_threshold

    scored = [(0.9, True), (0.8, True), (0.7, True), (0.6, False), (0.5, True), (0.3, False), (0.1, False)]
    # Above 0.55 every pick is right (F1 6/7); lower, 0.5 brings a true and the false 0.6 (F1 8/9).
    threshold = choose_threshold(scored, min_precision=0.75)
    assert 0.3 < threshold < 0.5
    strict = choose_threshold(scored, min_precision=1.0)
    assert 0.6 < strict < 0.7


def test_training_is_deterministic_and_learns_the_labelled_words() -> None:
    pytest.importorskip("sklearn")
    from pantau.enrich.relevance.train import Settings, examples, fit
    from pantau.evaluation import Labelled

    positives = [
        Labelled(f"p{i}", "Kades bagikan sembako calon", f"Kepala desa {i} membagikan sembako calon.", True, None, None)
        for i in range(12)
    ]
    negatives = [
        Labelled(f"n{i}", "Harga cabai naik", f"Pedagang pasar {i} mengeluh harga cabai.", False, None, None)
        for i in range(12)
    ]
    batch = examples([("tiny", positives + negatives)])
    settings = Settings(folds=3, inner_folds=3, max_grams=50)
    first, second = fit(batch, settings), fit(batch, settings)
    assert first == second
    scorer = LearnedScorer(first)
    assert scorer.score("Kades bagikan sembako calon", "Kepala desa membagikan sembako calon.").relevant
    assert not scorer.score("Harga cabai naik", "Pedagang pasar mengeluh harga cabai.").relevant
