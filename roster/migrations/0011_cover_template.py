from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0010_annual_leave_entitlement'),
    ]

    operations = [
    ]
