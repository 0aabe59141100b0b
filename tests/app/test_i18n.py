import pytest

from app import i18n


def test_both_languages_hold_the_same_keys_with_the_same_fields():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    assert sorted(set(english) ^ set(chinese)) == []
    different = [key for key in english if i18n.fields(english[key]) != i18n.fields(chinese[key])]
    assert different == []


def test_every_message_is_text_and_not_empty():
    for language in i18n.LANGUAGES:
        bad = [k for k, v in i18n.catalogue(language).items() if not isinstance(v, str) or not v.strip()]
        assert bad == [], language


def test_a_message_fills_its_fields_and_an_unknown_language_is_refused():
    assert i18n.text("language.switch", "zh") == "语言"
    assert i18n.fields("{layer}: {field} is {value}") == {"layer", "field", "value"}
    with pytest.raises(ValueError, match="no messages for language 'fr'"):
        i18n.catalogue("fr")


@pytest.mark.parametrize("accepted, chosen", [(["zh-CN", "en"], "zh"), (["en-GB"], "en"), (["fr-FR", "zh-TW"], "zh"),
                                              (["fr"], "en"), ([], "en")])
def test_the_browsers_first_language_that_we_have_is_chosen(accepted, chosen):
    assert i18n.preferred(accepted) == chosen
