"""Item pipelines, one concern each, in ITEM_PIPELINES order:

validation (100) -> dates (200) -> dedup (300) -> relevance (400) -> storage (500).
"""
