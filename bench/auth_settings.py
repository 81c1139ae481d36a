"""bench.settings plus DRF's own token app, for comparing DRF's TokenAuthentication with ours.

Only the auth bench uses this module; the project itself has no `rest_framework.authtoken`.
"""

from bench.settings import *  # noqa: F403
from bench.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]
