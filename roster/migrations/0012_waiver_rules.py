from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0011_cover_template'),
    ]

    operations = [
    ]
