"""The bigram search index (clues.search): an FTS5 mirror on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    # unicode61 splits on spaces only here, because the indexed text is already bigram tokens.
    "CREATE VIRTUAL TABLE clues_fts USING fts5(bigrams, tokenize = 'unicode61 remove_diacritics 0')",
    """CREATE TRIGGER clues_fts_ai AFTER INSERT ON clues_searchtext BEGIN
         INSERT INTO clues_fts(rowid, bigrams) VALUES (new.clue_id, new.bigrams);
       END""",
    """CREATE TRIGGER clues_fts_au AFTER UPDATE ON clues_searchtext BEGIN
         DELETE FROM clues_fts WHERE rowid = old.clue_id;
         INSERT INTO clues_fts(rowid, bigrams) VALUES (new.clue_id, new.bigrams);
       END""",
    """CREATE TRIGGER clues_fts_ad AFTER DELETE ON clues_searchtext BEGIN
         DELETE FROM clues_fts WHERE rowid = old.clue_id;
       END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS clues_fts_ad",
    "DROP TRIGGER IF EXISTS clues_fts_au",
    "DROP TRIGGER IF EXISTS clues_fts_ai",
    "DROP TABLE IF EXISTS clues_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX clues_searchtext_bigram_gin ON clues_searchtext "
    "USING gin (to_tsvector('simple'::regconfig, bigrams))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS clues_searchtext_bigram_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("clues", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
