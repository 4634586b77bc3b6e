from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0004_redeploy'),
    ]

    operations = [
        migrations.AddField(
            model_name='unithour',
            name='census_as_of',
            field=models.DateTimeField(blank=True, help_text='The instant ``census`` counts events up to (the end of the hour, or the time of computing for the hour still running); empty on rows written otherwise (imported history).', null=True),
        ),
        migrations.AddIndex(
            model_name='censusevent',
            index=models.Index(fields=['received_at'], name='census_event_received'),
        ),
    ]
