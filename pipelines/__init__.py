"""Scrapy item pipelines: clean -> normalise (into the contract, or dead-letter) -> deliver.

The composition root hands :data:`ITEM_PIPELINES` to the crawler, so the crawler package
never names this one.
"""

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.normalise.NormalisePipeline": 200,
    "pipelines.deliver.DeliverPipeline": 900,
}
