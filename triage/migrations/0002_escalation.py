import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0010_annual_leave_entitlement'),
        ('triage', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EscalationProposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_level', models.PositiveSmallIntegerField(choices=[(1, '1 Normal'), (2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('to_level', models.PositiveSmallIntegerField(choices=[(1, '1 Normal'), (2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('indicator', models.CharField(max_length=40)),
                ('value', models.FloatField()),
                ('threshold', models.FloatField()),
                ('text', models.CharField(max_length=300)),
                ('authority', models.CharField(choices=[('shift_supervisor', 'Shift supervisor'), ('operations_manager', 'Operations manager'), ('incident_commander', 'Incident commander or director'), ('executive', 'Executive or emergency management')], help_text='The lowest position that may confirm it (widened when escalated).', max_length=24)),
                ('status', models.CharField(choices=[('pending', 'Waiting for confirmation'), ('confirmed', 'Confirmed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn (no longer indicated)')], default='pending', max_length=12)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now, help_text='When its holders were last told.')),
                ('reminders', models.PositiveSmallIntegerField(default=0)),
                ('escalated', models.PositiveSmallIntegerField(default=0, help_text='Times it went up to the next position.')),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('reason', models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(2000)])),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='escalation_proposals', to='roster.site')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='LevelChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_level', models.PositiveSmallIntegerField(choices=[(1, '1 Normal'), (2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('to_level', models.PositiveSmallIntegerField(choices=[(1, '1 Normal'), (2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('reason', models.TextField(validators=[django.core.validators.MaxLengthValidator(2000)])),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('proposal', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='change', to='triage.escalationproposal')),
                ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='level_changes', to='roster.site')),
            ],
            options={
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PlaybookStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(choices=[(2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], validators=[django.core.validators.MinValueValidator(2), django.core.validators.MaxValueValidator(5)])),
                ('order', models.PositiveSmallIntegerField(default=1)),
                ('title', models.CharField(max_length=200)),
                ('owner', models.CharField(choices=[('shift_supervisor', 'Shift supervisor'), ('operations_manager', 'Operations manager'), ('incident_commander', 'Incident commander or director'), ('executive', 'Executive or emergency management')], max_length=24)),
                ('action', models.CharField(blank=True, choices=[('', 'Tracked by hand'), ('call_in', 'Call in on-call staff (backfill offers)'), ('pre_position', 'Pre-position equipment (reserve ready devices)'), ('mutual_aid', 'Request mutual aid'), ('open_incident', 'Open an incident command record and its triage board'), ('regional_request', 'Prepare the regional request (a network situation report)')], default='', max_length=20)),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='playbook_steps', to='roster.site')),
            ],
            options={
                'ordering': ['site', 'level', 'order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='PlaybookTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('owner', models.CharField(choices=[('shift_supervisor', 'Shift supervisor'), ('operations_manager', 'Operations manager'), ('incident_commander', 'Incident commander or director'), ('executive', 'Executive or emergency management')], max_length=24)),
                ('action', models.CharField(blank=True, default='', max_length=20)),
                ('status', models.CharField(choices=[('to_do', 'To do'), ('done', 'Done'), ('failed', 'Could not be done'), ('skipped', 'Not needed')], default='to_do', max_length=8)),
                ('result', models.CharField(blank=True, max_length=300)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('change', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='triage.levelchange')),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('step', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='triage.playbookstep')),
            ],
            options={
                'ordering': ['change', 'id'],
            },
        ),
        migrations.CreateModel(
            name='SituationReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('issued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('level', models.PositiveSmallIntegerField(choices=[(1, '1 Normal'), (2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('situation', models.TextField(validators=[django.core.validators.MaxLengthValidator(2000)])),
                ('resources', models.JSONField(default=list, help_text='Rows: type, available, deployed, inbound, gap.')),
                ('actions', models.JSONField(default=list, help_text='Rows: at, text.')),
                ('needs', models.JSONField(default=list, help_text='Rows: what, quantity, urgency.')),
                ('facility', models.JSONField(default=list, help_text='Rows: system, status (full, partial, none), note.')),
                ('next_update_at', models.DateTimeField()),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sitreps', to='roster.site')),
            ],
            options={
                'ordering': ['-issued_at', '-version'],
            },
        ),
        migrations.CreateModel(
            name='CrisisPosition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.CharField(choices=[('shift_supervisor', 'Shift supervisor'), ('operations_manager', 'Operations manager'), ('incident_commander', 'Incident commander or director'), ('executive', 'Executive or emergency management')], max_length=24)),
                ('starts_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('ends_at', models.DateTimeField(blank=True, null=True)),
                ('site', models.ForeignKey(blank=True, help_text='Empty: the network.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='crisis_positions', to='roster.site')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='crisis_positions', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['site', 'position', 'starts_at'],
                'constraints': [models.CheckConstraint(condition=models.Q(('ends_at__isnull', True), ('ends_at__gt', models.F('starts_at')), _connector='OR'), name='crisis_position_ends_after_start')],
            },
        ),
        migrations.CreateModel(
            name='CrisisState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(choices=[(1, '1 Normal'), (2, '2 Elevated'), (3, '3 Surge'), (4, '4 Major incident'), (5, '5 Catastrophic')], default=1, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('since', models.DateTimeField(default=django.utils.timezone.now)),
                ('site', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='crisis_state', to='roster.site')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('level__gte', 1), ('level__lte', 5)), name='crisis_state_level_range'), models.UniqueConstraint(condition=models.Q(('site__isnull', True)), fields=('site',), name='crisis_state_one_network')],
            },
        ),
        migrations.AddConstraint(
            model_name='escalationproposal',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('site',), name='one_pending_proposal_per_site'),
        ),
        migrations.AddConstraint(
            model_name='escalationproposal',
            constraint=models.UniqueConstraint(condition=models.Q(('site__isnull', True), ('status', 'pending')), fields=('status',), name='one_pending_network_proposal'),
        ),
        migrations.AddConstraint(
            model_name='escalationproposal',
            constraint=models.CheckConstraint(condition=models.Q(('from_level', models.F('to_level')), _negated=True), name='proposal_changes_the_level'),
        ),
        migrations.AddConstraint(
            model_name='playbookstep',
            constraint=models.CheckConstraint(condition=models.Q(('level__gte', 2), ('level__lte', 5)), name='playbook_step_level'),
        ),
        migrations.AddConstraint(
            model_name='playbooktask',
            constraint=models.UniqueConstraint(fields=('change', 'step'), name='playbook_task_once_per_change'),
        ),
        migrations.AddConstraint(
            model_name='situationreport',
            constraint=models.UniqueConstraint(fields=('site', 'version'), name='sitrep_version_once'),
        ),
        migrations.AddConstraint(
            model_name='situationreport',
            constraint=models.UniqueConstraint(condition=models.Q(('site__isnull', True)), fields=('version',), name='network_sitrep_version_once'),
        ),
        migrations.AddConstraint(
            model_name='situationreport',
            constraint=models.CheckConstraint(condition=models.Q(('next_update_at__gt', models.F('issued_at'))), name='sitrep_next_update_later'),
        ),
    ]
