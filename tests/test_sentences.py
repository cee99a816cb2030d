import pytest

from leo_dash.present.sentences import change_sentence, number_word, years_after_phrase


def test_earnings_rise_as_percent():
    s = change_sentence("median earnings five years after graduation", "£", 29300, 28420, "2022-23")
    assert s == "Median earnings five years after graduation rose by 3.1% to £29,300 in 2022-23."


def test_rate_falls_in_percentage_points():
    s = change_sentence("the sustained employment rate", "%", 72.4, 73.6, "2022-23")
    assert s == "The sustained employment rate fell by 1.2 percentage points to 72.4% in 2022-23."


def test_one_percentage_point_singular_and_unchanged():
    assert "by 1.0 percentage point to" in change_sentence("rate", "%", 11, 10, "2022-23")
    assert change_sentence("rate", "%", 10, 10, "2022-23") == "Rate was unchanged at 10.0% in 2022-23."


@pytest.mark.parametrize(("current", "previous"), [(None, 100.0), (None, None)])
def test_suppressed_current_is_never_cited(current, previous):
    s = change_sentence("median earnings", "£", current, previous, "2022-23")
    assert "not available" in s and "£" not in s


def test_suppressed_previous_gives_level_only():
    s = change_sentence("median earnings", "£", 29300, None, "2022-23", previous_period="2021-22")
    assert s.startswith("Median earnings was £29,300 in 2022-23;") and "2021-22 is not available" in s
    assert "rose" not in s and "fell" not in s


def test_number_words():
    assert number_word(5) == "five" and number_word(10) == "ten" and number_word(12) == "12"
    assert years_after_phrase(1) == "one year after graduation"
    assert years_after_phrase("10") == "ten years after graduation"
