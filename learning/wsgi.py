import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.production")

application = get_wsgi_application()

# Import every view now (the URLconf loads them), then move all that startup left behind, some 190k
# objects, into the collector's permanent generation. A full collection then walks only what requests
# allocate: before, each one walked them all (63 ms of a busy LRS worker's CPU every few hundred
# batches, about 5% of it), and forked workers keep sharing those memory pages instead of copying
# them when the collector touches them.
get_resolver().url_patterns  # noqa: B018 (imported for its side effect)
gc.freeze()
