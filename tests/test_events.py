"""Claims and the figures derived from them."""

from __future__ import annotations

import pydantic
import pytest

from geo.events import Claim, derive, derived_figures


def c(**kw: object) -> Claim:
    base: dict[str, object] = {
        "claimant": "x",
        "claimant_type": "government",
        "measure": "killed",
        "subject": "people",
        "source": "s1",
    }
    base.update(kw)
    return Claim.model_validate(base)


def test_competing_claims_about_the_same_people_give_low_best_high() -> None:
    claims = [c(side="armenian", value=25), c(side="armenian", value=27)]
    est = derive(claims, "killed")
    assert (est.low, est.best, est.high) == (25, 25, 27)


def test_best_is_the_middle_stated_figure() -> None:
    claims = [c(value=10), c(value=40), c(value=12)]
    est = derive(claims, "killed")
    assert (est.low, est.best, est.high) == (10, 12, 40)


def test_parts_sum_and_a_larger_overall_claim_wins() -> None:
    claims = [
        c(side="azerbaijani", group="military", value=11),
        c(side="azerbaijani", group="civilian", value=1),
        c(side="armenian", group="military", value=4),
    ]
    assert derive(claims, "killed").low == 16
    claims.append(c(group="military", qualifier="at_least", value=17))
    claims.append(c(group="civilian", qualifier="at_least", value=1))
    assert derive(claims, "killed").low == 18


def test_a_subset_claim_does_not_add_to_its_whole() -> None:
    # "25 killed, including two civilians": 25, not 27.
    claims = [c(side="armenian", value=25), c(side="armenian", group="civilian", value=2)]
    assert derive(claims, "killed").low == 25


def test_unquantified_and_included_claims_do_not_count() -> None:
    claims = [
        c(side="armenian", group="military", qualifier="unquantified", text="hundreds"),
        c(side="azerbaijani", value=2, included_in="other-event"),
    ]
    assert derive(claims, "killed") == derive([], "killed")
    assert derive(claims, "killed").high == 0


def test_ranges_and_up_to() -> None:
    assert derive([c(qualifier="range", low=700, high=800)], "killed").best == 700
    est = derive([c(qualifier="up_to", value=120)], "killed")
    assert (est.low, est.best, est.high) == (0, 120, 120)


def test_measures_are_kept_apart() -> None:
    claims = [c(value=4), c(measure="injured", value=1), c(measure="arrested", value=7)]
    fig = derived_figures(claims)
    assert fig == {
        "fatalities": 4,
        "deaths_low": 4,
        "deaths_best": 4,
        "deaths_high": 4,
        "injured_low": 1,
        "injured_best": 1,
        "injured_high": 1,
    }


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"qualifier": "unquantified", "value": 3}, "has no value, low or high"),
        ({"qualifier": "unquantified"}, "needs 'text'"),
        ({"qualifier": "range", "low": 9, "high": 3}, "low 9 is greater than high 3"),
        ({"qualifier": "range", "value": 3}, "needs 'low' and 'high'"),
        ({"qualifier": "at_least"}, "needs 'value'"),
        ({"value": -1}, "greater than or equal to 0"),
    ],
)
def test_malformed_claims_are_rejected(kw: dict[str, object], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        c(**kw)


def test_display_value_keeps_the_wording() -> None:
    assert c(qualifier="at_least", value=16).display_value() == "at least 16"
    assert c(qualifier="range", low=30000, high=50000).display_value() == "30,000–50,000"
    assert c(qualifier="unquantified", text="hundreds").display_value() == "“hundreds” (no number)"


def test_figures_note_says_what_the_numbers_leave_out() -> None:
    from geo.events import figures_note

    claims = [
        c(side="armenian", group="military", value=4),
        c(
            claimant="Azerbaijani army",
            subject="Armenian troops",
            qualifier="unquantified",
            text="hundreds",
            disputed_by="Armenia",
        ),
        c(subject="two officers", value=2, included_in="tovuz-x"),
        c(measure="arrested", qualifier="unquantified", text="dozens"),
    ]
    assert figures_note(claims) == (
        "killed: “hundreds” per Azerbaijani army (Armenian troops; no number, not counted, "
        "disputed by Armenia); 2 killed (two officers) counted in event tovuz-x"
    )
    assert figures_note([c(value=4)]) == ""
