"""Suite-wide settings: hypothesis profiles. HYPOTHESIS_PROFILE names one; otherwise ``ci``
loads whenever ``CI`` is set, and ``dev`` elsewhere."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=25, deadline=None)
# tools/sanitize: ci's settings with fewer examples, as the sanitizers slow every call.
settings.register_profile("sanitize", parent=settings.get_profile("ci"), max_examples=10)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
