from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0002_forecast_ops'),
    ]

    operations = [
    ]
