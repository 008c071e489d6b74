"""Settings shared by every test folder."""
from hypothesis import settings

# Property tests check what is true, not how fast: on a loaded 2-core machine (CI runs the browser
# tests beside them) one example can take longer than hypothesis's default 200 ms deadline.
settings.register_profile("qpv", deadline=None)
settings.load_profile("qpv")
