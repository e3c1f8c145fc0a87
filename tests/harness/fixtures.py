"""The harness's parts, loaded as pytest plugins by ``tests/conftest.py``.

Each part starts a real service on 127.0.0.1 and stops it again:

- ``tests/harness/postgres.py``: a throwaway PostgreSQL cluster (``postgres_server``);
- ``tests/harness/stripe.py``: the local Stripe server (``stripe_server``, ``stripe_client``);
- ``tests/harness/smtp.py``: an SMTP sink (``smtp_server``, ``smtp``);
- ``tests/harness/s3.py``: an S3 server, moto's server mode (``s3_server``), and a
  fresh bucket per test (``s3_bucket``);
- ``tests/harness/browser.py``: headless Chromium (``browser``, ``page``);
- ``tests/harness/live_server.py``: a Flask app served in a thread (``live_server``);
- ``tests/harness/redis.py``: a real redis-server (``redis_server``, ``redis_url``);
- ``tests/harness/gunicorn.py``: app servers as gunicorn processes (``app_servers``);
- ``tests/harness/artifacts.py``: where evidence goes (``artifacts_dir``), and each
  test's outcome for the fixtures that keep a screenshot of a failure.

Heavy imports (playwright, aiosmtpd, stripe, psycopg, boto3) happen inside the fixtures so
that collecting tests stays fast and unrelated tests don't pay for them.
"""

pytest_plugins = [
    "tests.harness.artifacts",
    "tests.harness.postgres",
    "tests.harness.stripe",
    "tests.harness.smtp",
    "tests.harness.s3",
    "tests.harness.browser",
    "tests.harness.live_server",
    "tests.harness.redis",
    "tests.harness.gunicorn",
]
