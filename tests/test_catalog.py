"""The model catalog: the runner reads it directly, so a bad row must be a clear error."""

from __future__ import annotations

import pytest

from runners.catalog import load_catalog, resolve_models
from runners.errors import CatalogError
from runners.model_factory import build_model, count_parameters

REQUIRED_MODELS = [
    "bert-base-uncased",
    "distilbert-base-uncased",
    "prajjwal1/bert-tiny",
    "t5-small",
    "gpt2",
    "vit-base-patch16-224",
    "whisper-tiny",
]


def test_catalog_holds_the_models_users_ask_for():
    catalog = load_catalog()
    assert set(REQUIRED_MODELS) <= set(catalog)
    assert {catalog[m].input_kind for m in catalog} == {"text_tokens", "image", "audio_features"}


def test_bert_tiny_has_its_real_dimensions():
    model, source = build_model(load_catalog()["prajjwal1/bert-tiny"])
    assert source == "random_init"
    assert model.config.num_hidden_layers == 2
    assert model.config.hidden_size == 128


# Published parameter counts of the base models (model cards / papers), in millions:
# BERT base 109.48, DistilBERT 66.36, GPT-2 small 124.44, T5 small 60.51, ViT-B/16 86.39,
# Whisper tiny 37.76. Building each from the catalog's config must reproduce them.
@pytest.mark.parametrize(
    "name, published_millions",
    [
        ("bert-base-uncased", 109.48),
        ("distilbert-base-uncased", 66.36),
        ("gpt2", 124.44),
        ("t5-small", 60.51),
        ("vit-base-patch16-224", 86.39),
        ("whisper-tiny", 37.76),
        ("prajjwal1/bert-tiny", 4.39),
    ],
)
def test_configs_build_models_of_the_published_size(name, published_millions):
    spec = load_catalog()[name]
    model, _ = build_model(spec)
    millions = count_parameters(model) / 1e6
    assert millions == pytest.approx(published_millions, rel=0.005)
    assert spec.parameters_million == pytest.approx(published_millions, rel=0.005)


def test_tiny_bert_parameter_count_worked_by_hand():
    # embeddings 1000*32 + 512*32 + 2*32 + LayerNorm 64 = 48,512; per layer 8,544 (attention
    # 4*(32*32+32), LayerNorm 64, FFN 32*64+64 + 64*32+32, LayerNorm 64) x 2; pooler 32*32+32
    model, _ = build_model(load_catalog()["test/tiny-bert"])
    assert count_parameters(model) == 48_512 + 2 * 8_544 + 1_056


def test_unknown_model_suggests_close_names():
    with pytest.raises(CatalogError, match=r"unknown model 'bert-base-uncase'.*bert-base-uncased"):
        resolve_models(["bert-base-uncase"], load_catalog())
    with pytest.raises(CatalogError, match="did you mean.*vit-base-patch16-224"):
        resolve_models(["vit-base"], load_catalog())


def test_row_missing_a_field_names_file_line_and_field(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(
        "model_name,model_family,modality,input_kind,config_class,model_class\n"
        "ok,bert,text,text_tokens,BertConfig,BertModel\n"
        "broken,bert,text,text_tokens,,BertModel\n"
    )
    with pytest.raises(CatalogError, match=r"catalog.csv:3: .*missing field 'config_class'"):
        load_catalog(path)


def test_bad_config_json_and_duplicates_are_errors(tmp_path):
    header = "model_name,model_family,modality,input_kind,config_class,model_class,config_json\n"
    path = tmp_path / "c.csv"
    path.write_text(header + 'm,bert,text,text_tokens,BertConfig,BertModel,"{not json"\n')
    with pytest.raises(CatalogError, match="c.csv:2: config_json is not valid JSON"):
        load_catalog(path)
    path.write_text(header + "m,bert,text,text_tokens,BertConfig,BertModel,{}\n" * 2)
    with pytest.raises(CatalogError, match="listed twice"):
        load_catalog(path)
