import pytest
import torch

from tonlage.model.modeling import ToneModel, load_backbone, truncated_config


def test_truncated_config_keeps_first_layers(tiny_base):
    from transformers import Gemma3TextConfig

    config = Gemma3TextConfig.from_pretrained(tiny_base)
    small = truncated_config(config, 2)
    assert small.num_hidden_layers == 2
    assert small.layer_types == config.layer_types[:2]
    assert config.num_hidden_layers == 3  # the original is untouched
    with pytest.raises(ValueError, match="between 1 and 3"):
        truncated_config(config, 4)


def test_load_backbone_has_requested_layers(tiny_base):
    backbone = load_backbone(tiny_base, 2)
    assert len(backbone.layers) == 2


def test_pooling_ignores_padding_side(tiny_base):
    torch.manual_seed(0)
    model = ToneModel(load_backbone(tiny_base, 3), num_labels=4).eval()
    ids = torch.tensor([[2, 5, 6, 7], [2, 8, 9, 0]])
    right = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    left_ids = torch.tensor([[2, 5, 6, 7], [0, 2, 8, 9]])
    left = torch.tensor([[1, 1, 1, 1], [0, 1, 1, 1]])
    with torch.no_grad():
        a = model(ids, right)
        b = model(left_ids, left)
        alone = model(torch.tensor([[2, 8, 9]]), torch.tensor([[1, 1, 1]]))
    assert a.shape == (2, 4)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(a[1:], alone, atol=1e-5, rtol=1e-4)


def test_head_state_round_trip(tiny_base):
    a = ToneModel(load_backbone(tiny_base, 1), num_labels=4)
    b = ToneModel(load_backbone(tiny_base, 1), num_labels=4)
    with torch.no_grad():
        a.head.weight.fill_(0.5)
    b.load_head_state(a.head_state())
    assert torch.equal(a.head.weight, b.head.weight)


def test_mean_last_pooling_ignores_padding_side_and_sees_the_last_token(tiny_base):
    torch.manual_seed(0)
    model = ToneModel(load_backbone(tiny_base, 2), num_labels=4, pooling="mean_last").eval()
    assert model.head.in_features == 2 * model.backbone.config.hidden_size
    right = model(torch.tensor([[2, 5, 6, 0, 0]]), torch.tensor([[1, 1, 1, 0, 0]]))
    left = model(torch.tensor([[0, 0, 2, 5, 6]]), torch.tensor([[0, 0, 1, 1, 1]]))
    torch.testing.assert_close(right, left, atol=1e-5, rtol=1e-4)
    with torch.no_grad():
        pooled = model.pool(torch.tensor([[2, 5, 6]]), torch.tensor([[1, 1, 1]]))
        hidden = model.backbone(input_ids=torch.tensor([[2, 5, 6]])).last_hidden_state
    torch.testing.assert_close(pooled[0, 32:], hidden[0, -1].float(), atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="pooling"):
        ToneModel(load_backbone(tiny_base, 1), num_labels=4, pooling="max")
