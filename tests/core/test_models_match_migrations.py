"""`python -m tortoise -c core.db.TORTOISE_ORM makemigrations` finds nothing to write on a
clean tree: the models in core/models.py and the migrations under migrations/ (whichever
exist) describe the same schema. A model changed without its migration fails here, with the
migration Tortoise would have written."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from core import db
from core.settings import Settings


async def test_makemigrations_finds_nothing_to_write(database: Settings):
    config = db.tortoise_config(database.effective_database_url)
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])
    await detector.loader.build_graph()
    assert detector.loader.graph.nodes, "no migration was found under migrations/"

    pending = await detector.changes()

    assert not pending, "the models differ from the migrations; makemigrations would write:\n" + (
        "\n".join(f"# {writer.name}\n{writer.as_string()}" for writer in pending))
