import allocation.models.backfill
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0002_forecast_ops'),
        ('roster', '0012_waiver_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RankingRules',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('criteria', models.JSONField(default=allocation.models.backfill.default_criteria)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('site', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='backfill_ranking', to='roster.site')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='Vacancy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField()),
                ('role', models.CharField(blank=True, choices=[('RN', 'Registered nurse'), ('LPN', 'Licensed practical nurse'), ('HCA', 'Healthcare assistant'), ('MD', 'Doctor'), ('TECH', 'Technician'), ('PARAMEDIC', 'Paramedic')], max_length=12)),
                ('source', models.CharField(choices=[('call_out', 'Call-out or leave'), ('short', 'Short after publication'), ('census', 'Census asks for more staff'), ('on_call', 'On-call staff called in')], max_length=10)),
                ('critical', models.BooleanField(default=False, help_text='A critical role (its fill deadline is shorter).')),
                ('starts_at', models.DateTimeField()),
                ('deadline', models.DateTimeField(help_text='The fill deadline: unfilled then, it escalates.')),
                ('policy', models.CharField(blank=True, help_text='The offer policy it runs under; empty: everyone eligible told at once.', max_length=14)),
                ('status', models.CharField(choices=[('open', 'Open'), ('filled', 'Filled'), ('agency', 'Filled by the agency'), ('escalated', 'Escalated to the coordinator'), ('cancelled', 'Cancelled')], default='open', max_length=10)),
                ('wave', models.PositiveIntegerField(default=0)),
                ('tier', models.PositiveIntegerField(default=1)),
                ('escalation', models.PositiveIntegerField(default=0, help_text='0 none, 1 next tier, 2 agency, 3 coordinator.')),
                ('next_step_at', models.DateTimeField(blank=True, null=True)),
                ('filled_at', models.DateTimeField(blank=True, null=True)),
                ('fill_tier', models.PositiveIntegerField(blank=True, null=True)),
                ('fill_cost', models.CharField(blank=True, max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('assignment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.assignment')),
                ('certification_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='roster.certificationtype')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('filled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.staff')),
                ('leave', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.leave')),
                ('open_shift', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='vacancy', to='roster.openshift')),
                ('roster', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.roster')),
                ('shift_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='roster.shifttype')),
                ('skill', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='roster.skill')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='vacancies', to='roster.unit')),
            ],
            options={
                'verbose_name_plural': 'vacancies',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Offer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('wave', models.PositiveIntegerField()),
                ('tier', models.PositiveIntegerField()),
                ('rank', models.PositiveIntegerField()),
                ('cost', models.CharField(choices=[('straight', 'Straight time (below FTE)'), ('on_call', 'On call'), ('overtime', 'Overtime'), ('agency', 'Agency')], max_length=10)),
                ('reasons', models.JSONField(default=list)),
                ('status', models.CharField(choices=[('offered', 'Offered'), ('accepted', 'Accepted'), ('available', 'Available (waiting for the manager)'), ('declined', 'Declined'), ('expired', 'No reply in time'), ('withdrawn', 'Withdrawn'), ('refused', 'Refused by a rule')], default='offered', max_length=10)),
                ('offered_at', models.DateTimeField(auto_now_add=True)),
                ('reply_by', models.DateTimeField(blank=True, null=True)),
                ('replied_at', models.DateTimeField(blank=True, null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('moves_from', models.ForeignKey(blank=True, help_text='The shift elsewhere this person would leave (a move).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.assignment')),
                ('staff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='backfill_offers', to='roster.staff')),
                ('vacancy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='allocation.vacancy')),
            ],
            options={
                'ordering': ['wave', 'rank'],
            },
        ),
        migrations.CreateModel(
            name='AgencyRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('requested', 'Requested'), ('filled', 'Filled by the agency'), ('cancelled', 'Cancelled')], default='requested', max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('worker_name', models.CharField(blank=True, max_length=120)),
                ('vacancy', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='agency_request', to='allocation.vacancy')),
            ],
        ),
        migrations.CreateModel(
            name='VacancyEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('kind', models.CharField(choices=[('created', 'Created'), ('wave', 'Wave sent'), ('reply', 'Reply'), ('refused', 'Acceptance refused'), ('filled', 'Filled'), ('escalated', 'Escalated'), ('agency', 'Agency requested'), ('cancelled', 'Cancelled')], max_length=10)),
                ('text', models.CharField(max_length=300)),
                ('wave', models.PositiveIntegerField(blank=True, null=True)),
                ('staff', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.staff')),
                ('vacancy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='allocation.vacancy')),
            ],
            options={
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='OfferPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('broadcast', 'Broadcast to the top N'), ('one_at_a_time', 'One at a time'), ('waves', 'Tiered waves'), ('manager_pick', 'Manager picks from the replies')], default='waves', max_length=14)),
                ('top_n', models.PositiveIntegerField(default=5, help_text='Broadcast and manager pick: how many are asked.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(200)])),
                ('wave_size', models.PositiveIntegerField(default=3, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(200)])),
                ('wave_seconds', models.PositiveIntegerField(default=900, help_text="Time between waves, and each reply's deadline one at a time, in seconds.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(86400)])),
                ('fill_minutes', models.PositiveIntegerField(default=240, help_text="The fill deadline after the vacancy opens (capped by the shift's start).", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10080)])),
                ('critical_fill_minutes', models.PositiveIntegerField(default=120, help_text='The fill deadline of a critical vacancy.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10080)])),
                ('escalation_minutes', models.PositiveIntegerField(default=60, help_text='Time given to each escalation step (next tier, then agency).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1440)])),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='offer_policy', to='roster.unit')),
            ],
            options={
                'verbose_name_plural': 'offer policies',
                'constraints': [models.CheckConstraint(condition=models.Q(('top_n__gte', 1), ('wave_size__gte', 1), ('wave_seconds__gte', 1)), name='offer_policy_positive')],
            },
        ),
        migrations.CreateModel(
            name='OnCall',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField()),
                ('staff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='on_call', to='roster.staff')),
            ],
            options={
                'ordering': ['date'],
                'constraints': [models.UniqueConstraint(fields=('staff', 'date'), name='on_call_once_a_day')],
            },
        ),
        migrations.AddIndex(
            model_name='vacancy',
            index=models.Index(fields=['status', 'next_step_at'], name='vacancy_due'),
        ),
        migrations.AddIndex(
            model_name='offer',
            index=models.Index(fields=['staff', 'status'], name='offer_staff_status'),
        ),
        migrations.AddConstraint(
            model_name='offer',
            constraint=models.UniqueConstraint(fields=('vacancy', 'staff'), name='offer_once_per_person'),
        ),
        migrations.AddConstraint(
            model_name='vacancyevent',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'wave')), fields=('vacancy', 'wave'), name='vacancy_wave_once'),
        ),
    ]
