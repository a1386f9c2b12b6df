from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0005_commit_offsets"),
    ]

    operations = [
        migrations.AddField(
            model_name="datasource",
            name="sync_lease_run_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="datasource",
            name="sync_lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="datasource",
            name="sync_interval_minutes",
            field=models.PositiveIntegerField(default=15),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("interrupted", "Interrupted"),
                ],
                default="queued",
                max_length=12,
            ),
        ),
    ]
