import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def required_from_publication(apps, schema_editor):
    """Versions published before grace periods existed bound at once."""
    Agreement = apps.get_model("programs", "Agreement")
    Agreement.objects.update(required_from=models.F("published_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0004_program_max_live_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="required_from",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(required_from_publication, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="agreement",
            name="required_from",
            field=models.DateTimeField(
                help_text="From this moment testers must have accepted this version (or a later one)."
            ),
        ),
        migrations.AddConstraint(
            model_name="agreement",
            constraint=models.CheckConstraint(
                condition=models.Q(("required_from__gte", models.F("published_at"))),
                name="agreement_required_after_publication",
            ),
        ),
        migrations.CreateModel(
            name="AgreementDraft",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(default="Program agreement", max_length=200)),
                ("text", models.TextField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "program",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="agreement_draft",
                        to="programs.program",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
