"""app/tasks/scheduler.py: the apartment-complex crawl stand-in (seed 004)."""

from app.tasks.scheduler import COMPLEXES, crawl_all_complexes


def test_crawls_every_complex_and_totals_the_listings() -> None:
    result = crawl_all_complexes()
    assert [(c["id"], c["name"]) for c in result["complexes"]] == list(COMPLEXES)
    kinds = ("sale", "jeonse", "monthly_rent")
    assert result["listings"] == sum(c[k] for c in result["complexes"] for k in kinds)
    # Stand-in counts come from the ids; all-equal counts would mean they do not.
    assert len({c["sale"] for c in result["complexes"]}) > 1


def test_registered_under_seed_004s_name() -> None:
    assert crawl_all_complexes.name == "app.tasks.scheduler.crawl_all_complexes"
