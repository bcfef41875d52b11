"""Kibana: Pantau's saved objects (``pantau.ndjson``) and their import (:mod:`infra.kibana.saved_objects`)."""
