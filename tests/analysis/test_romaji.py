"""Katakana readings spelled as English copy spells Japanese names."""

import pytest

from bot.analysis.japanese import english_terms
from bot.analysis.romaji import romanise


@pytest.mark.parametrize(
    ("reading", "latin"),
    [
        ("タナカ", "tanaka"),
        ("シオザキ", "shiozaki"),
        ("タロー", "taro"),  # the long vowel is left out
        ("イノウエ", "inoue"),  # two vowels that are no long vowel stay
        ("ジュンイチロー", "junichiro"),
        ("キョート", "kyoto"),
        ("ハッチャク", "hatchaku"),  # ッ doubles the consonant, tch before ch
        ("ホッカイドー", "hokkaido"),
        ("ティファニー", "tifani"),
        ("ちゃん", "chan"),  # hiragana too
    ],
)
def test_readings_are_spelled_as_english_copy_spells_them(reading: str, latin: str) -> None:
    assert romanise(reading) == latin


def test_a_name_is_read_by_the_dictionary_not_guessed_from_its_characters() -> None:
    # names the alias tables lack: 城内 is read キウチ as a family name, 浩一 コーイチ
    assert "Kenta Kiuchi" in english_terms("城内健太氏が語った。").names
    assert "Koichi Sato" in english_terms("佐藤浩一氏が会見した。").names
