from django.db import migrations


def forwards(apps, schema_editor):
    from zhengdun.rectification.default_templates import ensure_templates

    ensure_templates(apps)


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial"), ("clues", "0003_reference_data")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
