from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0003_backfill'),
    ]

    operations = [
    ]
