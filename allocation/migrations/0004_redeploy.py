from django.conf import settings
from django.db import migrations, models
import django.core.validators
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0003_backfill'),
        ('assets', '0004_board'),
        ('roster', '0012_waiver_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RedeployRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('trigger', models.CharField(choices=[('cadence', 'Hourly re-plan'), ('zone', 'A unit changed zone'), ('demand', 'Demand jumped'), ('call_out', 'A call-out'), ('manual', 'Asked for by a coordinator')], max_length=10)),
                ('quantile', models.CharField(default='q85', max_length=6)),
                ('started_at', models.DateTimeField()),
                ('status', models.CharField(blank=True, max_length=10)),
                ('objective', models.FloatField(blank=True, null=True)),
                ('seconds', models.FloatField(default=0)),
                ('fingerprint', models.JSONField(default=dict, help_text='The inputs that decide whether to re-plan.')),
                ('result', models.JSONField(default=dict)),
                ('notes', models.JSONField(default=list, help_text='What the adapter assumed (e.g. no forecast for a unit).')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(blank=True, help_text='Empty: the whole network, sites as facilities.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='redeploy_runs', to='roster.site')),
            ],
            options={
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Recommendation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('staff', 'Staff'), ('equipment', 'Equipment')], max_length=10)),
                ('resource', models.CharField(help_text="The resource type's id in the plan (RN, eq:ventilator…).", max_length=60)),
                ('resource_label', models.CharField(max_length=120)),
                ('units', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)])),
                ('tradeoff', models.JSONField(default=dict, help_text='Utilization and shortfall at both ends, before and after.')),
                ('shadow_price', models.FloatField(default=0)),
                ('rationale', models.CharField(max_length=400)),
                ('travel_minutes', models.PositiveIntegerField(default=0)),
                ('status', models.CharField(choices=[('proposed', 'Waiting for a decision'), ('approved', 'Approved'), ('declined', 'Declined'), ('superseded', 'Replaced by a newer plan'), ('arrived', 'Arrived')], default='proposed', max_length=10)),
                ('created_at', models.DateTimeField()),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('reason', models.CharField(blank=True, max_length=400)),
                ('departs_at', models.DateTimeField(blank=True, null=True)),
                ('arrives_at', models.DateTimeField(blank=True, null=True)),
                ('arrived_at', models.DateTimeField(blank=True, null=True)),
                ('assignment', models.ForeignKey(blank=True, help_text='The shift created in the receiving unit by an approved staff move.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.assignment')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('destination_site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.site')),
                ('destination_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.unit')),
                ('item', models.ForeignKey(blank=True, help_text='The device proposed, for an equipment move.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='assets.item')),
                ('origin_site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.site')),
                ('origin_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='roster.unit')),
                ('staff', models.ForeignKey(blank=True, help_text='The person proposed, for a staff move.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='roster.staff')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recommendations', to='allocation.redeployrun')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='SiteLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('minutes', models.PositiveIntegerField(help_text='Travel time door to door, in minutes.', validators=[django.core.validators.MaxValueValidator(1440)])),
                ('cost', models.DecimalField(decimal_places=2, default=0, help_text='Cost per person or device moved.', max_digits=8, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100000)])),
                ('destination', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links_in', to='roster.site')),
                ('origin', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links_out', to='roster.site')),
            ],
            options={
                'ordering': ['origin__name', 'destination__name'],
            },
        ),
        migrations.CreateModel(
            name='MutualAidRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('resource', models.CharField(max_length=60)),
                ('quantity', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(500)])),
                ('hours', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(336)])),
                ('rate', models.DecimalField(decimal_places=2, default=0, help_text='Per unit per hour.', max_digits=8, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100000)])),
                ('status', models.CharField(choices=[('proposed', 'Proposed'), ('requested', 'Waiting for the lender'), ('acknowledged', 'Acknowledged'), ('deployed', 'Deployed'), ('recalled', 'Recalled by the lender'), ('ended', 'Ended'), ('reconciled', 'Reconciled'), ('declined', 'Declined')], default='proposed', max_length=12)),
                ('basis', models.CharField(blank=True, help_text='Why it was proposed.', max_length=400)),
                ('proposed_at', models.DateTimeField()),
                ('requested_at', models.DateTimeField(blank=True, null=True)),
                ('ack_due_at', models.DateTimeField(blank=True, null=True)),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('escalated_at', models.DateTimeField(blank=True, null=True)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('deployed_at', models.DateTimeField(blank=True, null=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('reconciliation', models.JSONField(blank=True, default=dict)),
                ('note', models.CharField(blank=True, max_length=400)),
                ('lender', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aid_lent', to='roster.site')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(help_text='The borrowing site.', on_delete=django.db.models.deletion.CASCADE, related_name='aid_borrowed', to='roster.site')),
            ],
            options={
                'ordering': ['-proposed_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('site', models.F('lender')), _negated=True), name='mutual_aid_between_two_sites'), models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='mutual_aid_quantity_positive'), models.CheckConstraint(condition=models.Q(('hours__gte', 1)), name='mutual_aid_hours_positive')],
            },
        ),
        migrations.AddIndex(
            model_name='redeployrun',
            index=models.Index(fields=['site', 'started_at'], name='redeploy_run_scope_time'),
        ),
        migrations.AddIndex(
            model_name='recommendation',
            index=models.Index(fields=['status', 'created_at'], name='recommendation_status_time'),
        ),
        migrations.AddConstraint(
            model_name='recommendation',
            constraint=models.CheckConstraint(condition=models.Q(('units__gte', 1)), name='recommendation_units_positive'),
        ),
        migrations.AddConstraint(
            model_name='recommendation',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['proposed', 'superseded']), ('decided_at__isnull', False), _connector='OR'), name='recommendation_decision_has_time'),
        ),
        migrations.AddConstraint(
            model_name='sitelink',
            constraint=models.UniqueConstraint(fields=('origin', 'destination'), name='site_link_once'),
        ),
        migrations.AddConstraint(
            model_name='sitelink',
            constraint=models.CheckConstraint(condition=models.Q(('origin', models.F('destination')), _negated=True), name='site_link_between_two_sites'),
        ),
        migrations.AddConstraint(
            model_name='sitelink',
            constraint=models.CheckConstraint(condition=models.Q(('minutes__lte', 1440)), name='site_link_minutes_within_a_day'),
        ),
        migrations.AddConstraint(
            model_name='sitelink',
            constraint=models.CheckConstraint(condition=models.Q(('cost__gte', 0)), name='site_link_cost_non_negative'),
        ),
    ]
