"""Cross-domain scoring on the auxiliary fixtures (real layouts, made-up rows) with a scorer whose scores are known."""

import numpy as np

from tonlage.eval.cross_domain import cross_domain_scores


class KeywordScorer:
    """Scores 0.9 for insult when a text contains 'idiot' or 'wunder', 0.9 for gratitude on 'dankbar'; else 0.1."""

    labels = ["warning", "insult", "sarcasm", "gratitude"]
    thresholds = {"warning": 0.5, "insult": 0.5, "sarcasm": 0.5, "gratitude": 0.5}

    def predict_proba(self, texts, batch_size=16):
        rows = []
        for text in texts:
            low = text.lower()
            rows.append([0.1, 0.9 if ("idiot" in low or "wunder" in low) else 0.1, 0.1, 0.9 if "dankbar" in low else 0.1])
        return np.array(rows)


def test_scores_each_set_at_the_artifacts_threshold(aux_datasets):
    result = cross_domain_scores(KeywordScorer(), aux_datasets)
    assert result["status"] == "ok" and result["missing"] == []
    germeval = result["sets"]["germeval2018"]
    # 3 tweets: the INSULT one is hit, the 'Wunder' one is a false alarm, the third is left alone
    assert (germeval["n"], germeval["precision"], germeval["recall"], germeval["f1"]) == (3, 0.5, 1.0, 0.6667)
    assert germeval["tagged_share"] == 0.6667 and germeval["gold_share"] == 0.3333
    assert germeval["offensive_vs_other"]["f1"] == 0.6667
    assert germeval["errors"]["false_alarms"] == [{"id": "germeval2018:test:2", "score": 0.9}]
    assert germeval["errors"]["misses"] == []
    gratitude = result["sets"]["goemotions_de"]
    assert (gratitude["n"], gratitude["f1"], gratitude["tagged_share"]) == (2, 1.0, 0.5)


def test_no_dataset_folder_is_a_skip_not_an_error(tmp_path):
    result = cross_domain_scores(KeywordScorer(), tmp_path / "nowhere")
    assert result["status"] == "skipped" and result["missing"] == ["germeval2018", "goemotions_de"]
