"""app/tasks/media.py: image processing stand-in."""

import pytest

from app.tasks.media import MAX_IMAGE_LIMIT, process_images


def test_defaults_process_at_most_100_images_across_all_suppliers() -> None:
    result = process_images()
    assert result["limit"] == 100
    assert list(result["suppliers"]) == ["zentrade", "ownerclan", "domeggook", "domomae"]
    processed = [s["processed"] for s in result["suppliers"].values()]
    assert result["processed"] == sum(processed) == 100
    pending = sum(s["pending"] for s in result["suppliers"].values())
    assert result["remaining"] == pending - 100


def test_limit_is_spent_in_supplier_order() -> None:
    result = process_images(limit=MAX_IMAGE_LIMIT, suppliers=["domomae", "젠트레이드"])
    assert list(result["suppliers"]) == ["domomae", "zentrade"]
    # A limit above everything pending processes everything.
    for counts in result["suppliers"].values():
        assert counts["processed"] == counts["pending"]
    assert result["remaining"] == 0


def test_small_limit_stops_at_the_first_supplier() -> None:
    result = process_images(limit=5)
    first, *rest = result["suppliers"].values()
    assert first["processed"] == 5
    assert all(counts["processed"] == 0 for counts in rest)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": -1}, "^limit: .*-1"),
        ({"limit": 0}, "^limit: .*0"),
        ({"limit": MAX_IMAGE_LIMIT + 1}, f"^limit: .*{MAX_IMAGE_LIMIT + 1}"),
        ({"limit": "100"}, "^limit: expected an integer, got '100'"),
        ({"suppliers": ["acme"]}, "^suppliers: unknown name 'acme'"),
        ({"suppliers": []}, "^suppliers: expected a non-empty list"),
    ],
)
def test_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        process_images(**kwargs)
