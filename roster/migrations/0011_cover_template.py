import django.core.validators
import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0010_annual_leave_entitlement'),
    ]

    operations = [
        migrations.AddField(
            model_name='coveragerequirement',
            name='from_template',
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name='CoverTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('weekday', models.PositiveSmallIntegerField(help_text='0 is Monday, 6 is Sunday.', validators=[django.core.validators.MaxValueValidator(6)])),
                ('role', models.CharField(blank=True, choices=[('RN', 'Registered nurse'), ('LPN', 'Licensed practical nurse'), ('HCA', 'Healthcare assistant'), ('MD', 'Doctor'), ('TECH', 'Technician'), ('PARAMEDIC', 'Paramedic')], max_length=12)),
                ('minimum', models.PositiveIntegerField(validators=[django.core.validators.MaxValueValidator(200)])),
                ('preferred', models.PositiveIntegerField(validators=[django.core.validators.MaxValueValidator(200)])),
                ('maximum', models.PositiveIntegerField(validators=[django.core.validators.MaxValueValidator(200)])),
                ('patients', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(999)])),
                ('derivation', models.CharField(blank=True, max_length=300)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('certification_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.certificationtype')),
                ('shift_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.shifttype')),
                ('skill', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.skill')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cover_template', to='roster.unit')),
            ],
            options={
                'ordering': ['weekday', 'shift_type__start_time', 'role', 'skill', 'certification_type'],
                'constraints': [models.CheckConstraint(condition=models.Q(('weekday__lte', 6)), name='cover_template_weekday'), models.CheckConstraint(condition=models.Q(('preferred__gte', models.F('minimum')), ('maximum__gte', models.F('preferred'))), name='cover_template_min_le_preferred_le_max'), models.CheckConstraint(condition=models.Q(models.Q(models.Q(('role', ''), _negated=True), ('skill__isnull', True), ('certification_type__isnull', True)), models.Q(('role', ''), ('skill__isnull', False), ('certification_type__isnull', True)), models.Q(('role', ''), ('skill__isnull', True), ('certification_type__isnull', False)), _connector='OR'), name='cover_template_names_one_need'), models.UniqueConstraint(models.F('unit'), models.F('weekday'), models.F('shift_type'), models.F('role'), django.db.models.functions.comparison.Coalesce('skill', models.Value(0)), django.db.models.functions.comparison.Coalesce('certification_type', models.Value(0)), name='cover_template_one_line_per_need')],
            },
        ),
    ]
