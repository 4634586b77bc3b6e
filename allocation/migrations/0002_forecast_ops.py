import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ForecastModel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fitted_at', models.DateTimeField()),
                ('history_from', models.DateTimeField(help_text='First hour of the history the fit used.')),
                ('history_hours', models.PositiveIntegerField()),
                ('arrivals', models.JSONField(help_text='The fitted arrivals forecaster (FittedForecaster.to_dict).')),
                ('discharge_rate', models.JSONField(help_text='Share of the patients present who leave in an hour, per local clock hour (24 values).')),
                ('mean_arrivals', models.FloatField(help_text='Arrivals per hour over the history.')),
                ('seconds', models.FloatField(help_text='Time the fit took.')),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='forecast_model', to='roster.unit')),
            ],
        ),
        migrations.CreateModel(
            name='ForecastWindow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField()),
                ('hours', models.PositiveIntegerField()),
                ('mean', models.FloatField()),
                ('median', models.FloatField()),
                ('q85', models.FloatField()),
                ('q90', models.FloatField()),
                ('actual', models.FloatField(blank=True, null=True)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='forecast_windows', to='roster.unit')),
            ],
            options={
                'ordering': ['unit', 'start', 'hours'],
                'indexes': [models.Index(fields=['unit', 'hours', 'start'], name='forecast_window_unit_hours')],
                'constraints': [models.UniqueConstraint(fields=('unit', 'start', 'hours'), name='forecast_window_unique'), models.CheckConstraint(condition=models.Q(('hours__gte', 1)), name='forecast_window_hours_positive')],
            },
        ),
        migrations.CreateModel(
            name='HourForecast',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(help_text='The start of the hour (UTC).')),
                ('issued_at', models.DateTimeField(help_text='The hour from whose start the forecast was made.')),
                ('arrivals_mean', models.FloatField()),
                ('arrivals_var', models.FloatField()),
                ('arrivals_median', models.FloatField()),
                ('arrivals_q85', models.FloatField()),
                ('arrivals_q90', models.FloatField()),
                ('census_mean', models.FloatField()),
                ('census_var', models.FloatField()),
                ('census_median', models.FloatField()),
                ('census_q85', models.FloatField()),
                ('census_q90', models.FloatField()),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hour_forecasts', to='roster.unit')),
            ],
            options={
                'ordering': ['unit', 'hour'],
                'constraints': [models.UniqueConstraint(fields=('unit', 'hour'), name='hour_forecast_unique'), models.CheckConstraint(condition=models.Q(('arrivals_median__lte', models.F('arrivals_q85')), ('arrivals_q85__lte', models.F('arrivals_q90')), ('census_median__lte', models.F('census_q85')), ('census_q85__lte', models.F('census_q90'))), name='hour_forecast_quantiles_ordered')],
            },
        ),
    ]
