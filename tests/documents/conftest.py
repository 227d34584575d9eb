"""The authorisation matrix's world (two of everything scoped), reused by the document tests."""
from tests.web.test_authorisation_matrix import world  # noqa: F401  (a fixture)
