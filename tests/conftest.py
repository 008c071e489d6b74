"""Settings shared by every test folder."""
import pytest
from hypothesis import settings

# Property tests check what is true, not how fast: on a loaded 2-core machine (CI runs the browser
# tests beside them) one example can take longer than hypothesis's default 200 ms deadline.
settings.register_profile("qpv", deadline=None)
settings.load_profile("qpv")


@pytest.fixture
def pocket_con():
    """The pocket-detection database of tests/indicators/test_pockets.py (territory `t`), in
    memory: the pockets' indicator, source-line and justification-sheet tests share it."""
    from etl.db import create_empty
    from tests.indicators.conftest import Factory
    from tests.indicators.test_pockets import build_pocket_db
    c = create_empty()
    build_pocket_db(Factory(c))
    yield c
    c.close()
