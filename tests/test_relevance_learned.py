"""The learned-layer experiment (benchmarks/relevance_learned.py): its features and its fit."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.relevance_features import text_features
from benchmarks.relevance_learned import VARIANTS, _keep, counts, fit, pr, row_space
from crawler.relevance import load_topics

# One on-topic text per language; the features must see the rules' evidence in each.
TEXTS = {
    "en": (
        "Lachin corridor blockade enters its third month",
        "Azerbaijani protesters have blocked the Lachin corridor since December 12. "
        "Residents of Stepanakert face shortages of food and medicine because of the blockade.",
    ),
    "ru": (
        "Блокада Лачинского коридора продолжается",
        "Азербайджанские активисты блокируют Лачинский коридор с 12 декабря. "
        "В Степанакерте из-за блокады не хватает продуктов и лекарств.",
    ),
    "hy": (
        "Լաչինի միջանցքի շրջափակումը շարունակվում է",
        "Ադրբեջանցի ակտիվիստները դեկտեմբերի 12-ից փակել են Լաչինի միջանցքը։ "
        "Ստեփանակերտում շրջափակման պատճառով սննդի և դեղերի պակաս կա։",
    ),
    "az": (
        "Laçın yolunda etiraz aksiyası davam edir",
        "Ekoaktivistlər dekabrın 12-dən Laçın-Xankəndi yolunda etiraz aksiyası keçirirlər. "
        "Xankəndidə Rusiya sülhməramlılarının nəzarətində olan yol açıqdır.",
    ),
}


@pytest.fixture(scope="module")
def topics():
    return load_topics()


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_features_carry_the_rules_verdict_and_evidence(topics, language):
    title, body = TEXTS[language]
    result = topics.match(title, body, "2023-02-01")
    features = text_features(topics, result, title, body, "2023-02-01")
    assert set(features) == set(topics.names)
    for name, row in features.items():
        assert row["rule match"] == float(name in result.topics)
        assert row["bias"] == 1.0
    blockade = features["karabakh-blockade"]
    assert blockade["hits anchor"] > 0
    assert blockade["published within"] == 1.0
    assert any(name.startswith("h") and name[1:].isdigit() for name in blockade)
    script = {"hy": "script hy", "ru": "script ru", "az": "script az", "en": "script latin"}
    assert blockade[script[language]] > 0.5


def test_features_are_the_same_on_every_run(topics):
    title, body = TEXTS["en"]
    result = topics.match(title, body)
    assert text_features(topics, result, title, body) == text_features(topics, result, title, body)


def test_variants_keep_what_they_name():
    assert _keep("rule match", VARIANTS["rule verdict"])
    assert not _keep("hits term", VARIANTS["rule verdict"])
    assert not _keep("rule match", VARIANTS["no verdict"])
    assert _keep("h123", VARIANTS["no verdict"])
    assert _keep("h123", VARIANTS["evidence + words"])


def test_fit_in_the_row_space_learns_a_noisy_rule_as_over_the_features():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(200, 5))
    y = (x[:, 0] - x[:, 1] + 0.3 * rng.normal(size=200) > 0.5).astype(float)
    train, test = np.arange(200) < 150, np.arange(200) >= 150
    z_train, z_test = row_space(x @ x.T, train, test)
    beta, bias = fit(z_train, y[train], 1.0)
    got = z_test @ beta + bias
    precision, recall = pr(counts(y[test].astype(bool), got >= 0))
    assert precision >= 0.85 and recall >= 0.85
    # The same model fitted over the five features gives the same scores.
    weights, direct_bias = fit(x[train], y[train], 1.0)
    assert np.allclose(got, x[test] @ weights + direct_bias, atol=1e-6)
    # Strong regularisation leaves the bias alone to decide: every text one way.
    beta, bias = fit(z_train, y[train], 1e-6)
    assert len(set(z_test @ beta + bias >= 0)) == 1
