from django.db import migrations, models


def rules_from_rule(apps, schema_editor):
    Waiver = apps.get_model("roster", "Waiver")
    for waiver in Waiver.objects.only("pk", "rule", "rules").iterator():
        if not waiver.rules:
            Waiver.objects.filter(pk=waiver.pk).update(rules=[waiver.rule])


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0011_cover_template'),
    ]

    operations = [
        migrations.AddField(
            model_name='waiver',
            name='rules',
            field=models.JSONField(blank=True, default=list, help_text='Every rule this waiver excepts (codes).'),
        ),
        migrations.RunPython(rules_from_rule, migrations.RunPython.noop),
    ]
