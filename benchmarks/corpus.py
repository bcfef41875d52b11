"""Synthetic articles and pages for the benchmarks, built from a fixed seed.

The articles are the labelled evaluation articles (``tests/eval``), each padded to
~3 KB with paragraphs from other articles, one in ten an edited copy of an earlier one
(so near-duplicate lookup has real work to do). Pages are those articles in Memorandum's
Disway markup, with the furniture the site file drops (figure, "BACA JUGA" lines, the
related-story box, tags), and an RSS feed listing every page.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pantau.evaluation import load_jsonl
from pantau.schema import Article, article_id, parse_article

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "eval"
FETCHED = datetime(2024, 10, 10, tzinfo=UTC)


def build_corpus(n: int, seed: int = 7, site: str = "contoh") -> list[str]:
    """``n`` article records as JSON, ~3 KB bodies, 10% edited copies of earlier ones."""
    rng = random.Random(seed)
    labelled = load_jsonl(EVAL_DIR / "articles.jsonl")
    paragraphs = [p for item in labelled for p in item.body.split("\n") if len(p) > 80]
    records: list[str] = []
    bodies: list[str] = []
    for i in range(n):
        if bodies and rng.random() < 0.1:
            # A syndicated copy: new intro, one paragraph dropped.
            parts = rng.choice(bodies).split("\n\n")
            parts[0] = "Dikutip dari kantor berita, " + parts[0]
            if len(parts) > 3:
                parts.pop(rng.randrange(1, len(parts)))
            body = "\n\n".join(parts)
            title = "Salinan: " + labelled[i % len(labelled)].title
        else:
            item = labelled[i % len(labelled)]
            extra: list[str] = []
            while len(item.body) + sum(map(len, extra)) < 3000:
                extra.append(rng.choice(paragraphs))
            body = item.body + "\n\n" + "\n\n".join(extra)
            title = item.title
        bodies.append(body)
        url = f"https://{site}-berita.id/read/{seed}{i}/artikel-{i}"
        records.append(
            Article(
                id=article_id(url),
                url=url,
                canonical_url=url,
                site=site,
                title=title,
                body=body,
                fetched_at=FETCHED,
                published_at=FETCHED - timedelta(minutes=n - i),
            ).to_json()
        )
    return records


_PAGE = """<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{title} - Memorandum</title>
<link rel="canonical" href="https://memorandum.disway.id/read/{number}/artikel-{number}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}">
</head>
<body>
<div class="container">
<h1>{title}</h1>
<div class="author"><a href="/penulis/7">Redaksi Memorandum</a></div>
<span class="date">Senin 07-10-2024,08:{minute:02d} WIB</span>
<div class="post">
<figure><img src="/foto/{number}.jpg"><figcaption>Foto ilustrasi.--</figcaption></figure>
{paragraphs}
<p>BACA JUGA:Harga Cabai Rawit di Pasar Tanjung Mulai Turun</p>
<div class="baca-juga"><a href="/read/1/x">Baca juga: Festival Egrang Digelar Lagi</a></div>
</div>
<div class="tags"><a href="/tag/pilkada">pilkada</a><a href="/tag/netralitas-asn">netralitas asn</a></div>
</div>
</body>
</html>
"""

#: The first article number of the synthetic site (Memorandum's real numbers are in the 100,000s).
FIRST_NUMBER = 200_000


def article_path(i: int) -> str:
    number = FIRST_NUMBER + i
    return f"/read/{number}/artikel-{number}"


def memorandum_pages(n: int, seed: int = 7) -> Iterator[tuple[str, bytes]]:
    """``(path, page)`` for ``n`` article pages in Memorandum's markup, then ``/rss`` listing them all."""
    for i, record in enumerate(build_corpus(n, seed=seed)):
        article = parse_article(record)
        number = FIRST_NUMBER + i
        published = (article.published_at or FETCHED).astimezone(UTC).isoformat()
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.body.split("\n\n"))
        page = _PAGE.format(
            title=html.escape(article.title),
            number=number,
            published=published,
            minute=i % 60,
            paragraphs=paragraphs,
        )
        yield article_path(i), page.encode("utf-8")
    items = "".join(f"<item><link>{{{{base_url}}}}{article_path(i)}</link></item>\n" for i in range(n))
    feed = f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n{items}</channel></rss>\n'
    yield "/rss", feed.encode("utf-8")
