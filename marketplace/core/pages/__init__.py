"""The core's HTML pages, one blueprint ``pages`` in four modules: public, person,
employer, staff (caseworker, admin, people search). Importing the package registers them.
``_norm`` stays importable here for the areas' pages that use it (chinese.normalize)."""
from marketplace.core.pages import (  # noqa: F401  (registers the routes)
    contact,
    desk,
    employer,
    person,
    policy,
    public,
    staff,
    verification,
)
from marketplace.core.pages.common import bp
from marketplace.core.pages.common import norm as _norm

__all__ = ["bp", "_norm"]
