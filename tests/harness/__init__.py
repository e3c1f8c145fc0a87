"""Real services for the test suite, one plugin module each (listed in ``fixtures.py``).

``stripe_proxy.py`` and ``listener.py`` are plain helpers that tests start themselves.
"""
