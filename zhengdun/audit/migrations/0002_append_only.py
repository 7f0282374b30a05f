"""Make audit_entry append-only in the database itself, so not even code that bypasses record()
(a raw UPDATE, a stray queryset .update()/.delete()) can rewrite the trail.

PostgreSQL: a statement trigger refuses UPDATE and DELETE. TRUNCATE is left alone on purpose:
Django's test flush (TransactionTestCase, live_server) empties tables with TRUNCATE, and a DB
administrator able to TRUNCATE can drop the trigger anyway — the hash chain is what exposes that.

SQLite: a trigger refuses UPDATE only. DELETE is not blocked because Django's flush on SQLite is
a DELETE FROM per table; a removed entry is still caught by verify_audit (gap in seq, or the
chain head no longer matching the last entry).

Other vendors are not supported by zhengdun and get nothing.

The SQL lives here rather than in app code so this migration keeps meaning what it meant when it
ran; the tests re-run install()/remove() from this module to simulate a DB administrator.
"""

from django.db import migrations

TRIGGER = "audit_entry_append_only"

INSTALL = {
    "postgresql": [
        f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING
                MESSAGE = 'audit_entry is append-only: 审计日志只能追加，不能'
                    || CASE TG_OP WHEN 'UPDATE' THEN '修改' ELSE '删除' END,
                ERRCODE = 'restrict_violation';
        END;
        $$
        """,
        # EXECUTE PROCEDURE rather than EXECUTE FUNCTION: accepted by PostgreSQL 11+ and by the
        # PostgreSQL-compatible KingbaseES/openGauss this may be deployed on.
        f"""
        CREATE TRIGGER {TRIGGER}
            BEFORE UPDATE OR DELETE ON audit_entry
            FOR EACH STATEMENT EXECUTE PROCEDURE {TRIGGER}()
        """,
    ],
    "sqlite": [
        f"""
        CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON audit_entry
        BEGIN
            SELECT RAISE(ABORT, 'audit_entry is append-only: 审计日志只能追加，不能修改');
        END
        """,
    ],
}

REMOVE = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_entry",
        f"DROP FUNCTION IF EXISTS {TRIGGER}()",
    ],
    "sqlite": [f"DROP TRIGGER IF EXISTS {TRIGGER}"],
}


def _run(connection, statements):
    # A plain cursor without parameters: the PL/pgSQL body must reach the server untouched.
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def install(connection):
    _run(connection, INSTALL)


def remove(connection):
    _run(connection, REMOVE)


def forwards(apps, schema_editor):
    install(schema_editor.connection)


def backwards(apps, schema_editor):
    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
