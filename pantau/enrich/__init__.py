"""The enrich stage's pure core: dedup, region tagging, relevance. No I/O in here."""
