import pytest

from leo_dash.core.periods import period_label, period_value, previous_period


@pytest.mark.parametrize(
    ("value", "label"), [(202223, "2022-23"), (199900, "1999-00"), (2022, "2022"), ("202122", "2021-22")]
)
def test_period_label(value, label):
    assert period_label(value) == label


@pytest.mark.parametrize(
    ("label", "value"),
    [("2022-23", 202223), ("2022/23", 202223), ("2022/2023", 202223), ("202223", 202223), ("2022", 2022)],
)
def test_period_value_round_trips(label, value):
    assert period_value(label) == value
    assert period_value(period_label(value)) == value


@pytest.mark.parametrize("bad", ["", "22-23", "last year", "2022-", "20222"])
def test_period_value_refuses_junk(bad):
    with pytest.raises(ValueError):
        period_value(bad)


def test_previous_period():
    assert previous_period(202223) == 202122
    assert previous_period(200001) == 199900
    assert previous_period(2022) == 2021
