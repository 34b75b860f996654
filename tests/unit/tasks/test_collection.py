"""app/tasks/collection.py: supplier and bestseller collection stand-ins."""

import pytest

from app.tasks.collection import (
    TEST_MODE_SAMPLE,
    collect_all_suppliers,
    collect_bestsellers,
    collect_supplier,
    collect_wholesale_products,
)

SEED_SUPPLIERS = ["zentrade", "ownerclan", "domeggook", "domomae"]


def test_wholesale_defaults_cover_the_four_seed_suppliers() -> None:
    result = collect_wholesale_products()
    assert list(result["suppliers"]) == SEED_SUPPLIERS
    assert result["test_mode"] is False
    for counts in result["suppliers"].values():
        assert counts["found"] == counts["new"] + counts["updated"] + counts["failed"]
        assert counts["saved"] == counts["found"] - counts["failed"]
        assert counts["found"] > TEST_MODE_SAMPLE
    assert result["totals"]["found"] == sum(c["found"] for c in result["suppliers"].values())


def test_wholesale_test_mode_takes_a_sample_and_saves_nothing() -> None:
    result = collect_wholesale_products(test_mode=True)
    assert result["test_mode"] is True
    for counts in result["suppliers"].values():
        assert counts["found"] == TEST_MODE_SAMPLE
        assert counts["saved"] == 0
    assert result["totals"]["saved"] == 0


def test_wholesale_counts_differ_between_suppliers() -> None:
    # Stand-in numbers come from the names; identical numbers would mean they do not.
    found = [c["found"] for c in collect_wholesale_products()["suppliers"].values()]
    assert len(set(found)) > 1


def test_wholesale_accepts_korean_names_and_drops_duplicates() -> None:
    result = collect_wholesale_products(suppliers=["오너클랜", "ownerclan", "젠트레이드"])
    assert list(result["suppliers"]) == ["ownerclan", "zentrade"]
    assert result["suppliers"]["ownerclan"]["name"] == "오너클랜"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"suppliers": ["zentrade", "acme"]}, "^suppliers: unknown name 'acme'"),
        ({"suppliers": []}, "^suppliers: expected a non-empty list"),
        ({"suppliers": "zentrade"}, "^suppliers: expected a non-empty list"),
        ({"test_mode": "false"}, "^test_mode: .*'false'"),
    ],
)
def test_wholesale_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        collect_wholesale_products(**kwargs)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("오너클랜", "ownerclan"),
        ("젠트레이드", "zentrade"),
        ("ownerclan", "ownerclan"),
        ("ZENTRADE", "zentrade"),
        ("도매꾹", "domeggook"),
    ],
)
def test_collect_supplier_accepts_ids_and_korean_names(given: str, canonical: str) -> None:
    result = collect_supplier(given)
    assert result["supplier"] == canonical
    # Same numbers whichever spelling was used.
    assert result == collect_supplier(canonical)


@pytest.mark.parametrize("bad", ["오너", "acme", "", 7])
def test_collect_supplier_rejects_unknown(bad: object) -> None:
    with pytest.raises(ValueError, match=f"^supplier: unknown name {bad!r}"):
        collect_supplier(bad)


def test_collect_supplier_matches_its_share_of_the_full_run() -> None:
    single = collect_supplier("ownerclan")
    full = collect_all_suppliers()["suppliers"]["ownerclan"]
    assert {k: single[k] for k in full} == full


def test_collect_all_suppliers_runs_every_supplier_for_real() -> None:
    result = collect_all_suppliers()
    assert list(result["suppliers"]) == SEED_SUPPLIERS
    assert result["test_mode"] is False
    assert result == collect_wholesale_products()


def test_bestsellers_default_to_coupang_and_naver() -> None:
    result = collect_bestsellers()
    assert list(result["marketplaces"]) == ["coupang", "naver"]
    assert result["total_products"] == sum(m["products"] for m in result["marketplaces"].values())
    for counts in result["marketplaces"].values():
        assert counts["products"] == counts["categories"] * 100


def test_bestsellers_accept_korean_marketplace_names() -> None:
    assert list(collect_bestsellers(["쿠팡", "11st"])["marketplaces"]) == ["coupang", "11st"]


@pytest.mark.parametrize(
    ("marketplaces", "message"),
    [(["amazon"], "^marketplaces: unknown name 'amazon'"), ([], "^marketplaces: expected")],
)
def test_bestsellers_reject_bad_marketplaces(marketplaces: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        collect_bestsellers(marketplaces)
