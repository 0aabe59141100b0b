from tests.site.harness import browser, page, traffic  # noqa: F401  (fixtures)
