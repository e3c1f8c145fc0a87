"""Photos from forms never sent are pruned; photos a return names are never touched."""

from __future__ import annotations

import os
import time

from flask_returns.models import Photo

from .factories import make_return

DAY = 24 * 3600


def _stored(storage, key: str, age_seconds: float) -> str:
    storage.save(key, b"\xff\xd8 jpeg bytes")
    old = time.time() - age_seconds
    os.utime(storage.root / key, (old, old))
    return key


def test_prune_deletes_only_old_photos_no_return_names(host_app, db_session, memory_orders):
    storage = host_app.extensions["returns"].storage
    order = memory_orders.get_order("9001")
    ret = make_return(order, {"L1": (1, "not_as_described")})
    kept = _stored(storage, "photos/" + "a" * 32 + ".jpg", 3 * DAY)
    kept_thumb = _stored(storage, "photos/" + "a" * 32 + "-thumb.jpg", 3 * DAY)
    ret.photos.append(
        Photo(storage_key=kept, thumbnail_key=kept_thumb, width=10, height=10, byte_size=12)
    )
    db_session.commit()
    orphan = _stored(storage, "photos/" + "b" * 32 + ".jpg", 2 * DAY)
    fresh = _stored(storage, "photos/" + "c" * 32 + ".jpg", 3600)

    runner = host_app.test_cli_runner()
    dry = runner.invoke(args=["returns", "photos", "prune", "--dry-run"])
    assert "1 orphan photo file(s) would be deleted" in dry.output
    assert storage.exists(orphan)

    done = runner.invoke(args=["returns", "photos", "prune"])
    assert done.exit_code == 0, done.output
    assert "1 orphan photo file(s) deleted" in done.output
    assert not storage.exists(orphan)
    assert storage.exists(kept) and storage.exists(kept_thumb) and storage.exists(fresh)


def test_prune_refuses_an_age_inside_the_forms_keeping_time(host_app):
    result = host_app.test_cli_runner().invoke(
        args=["returns", "photos", "prune", "--older-than-hours", "2"]
    )
    assert result.exit_code != 0 and "2 is not in the range x>=25" in result.output
