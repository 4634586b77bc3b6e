from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0003_plan_bounds'),
    ]

    operations = [
    ]
