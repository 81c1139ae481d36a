"""Notifications stored before this release carry the full share URL in their body; replace it
with the reference the new ones use (the request's page shows the live link)."""

import re

from django.db import migrations

OLD_LINK = re.compile(r" Its public link: \S+ \(it opens as soon")
NEW_TEXT = " Its public link is on your share requests page (it opens as soon"


def drop_share_urls(apps, schema_editor):
    Notification = apps.get_model("review", "Notification")
    for notification in Notification.objects.filter(body__contains="Its public link: ").iterator():
        notification.body = OLD_LINK.sub(NEW_TEXT, notification.body)
        notification.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("review", "0003_claim_indexes")]

    operations = [migrations.RunPython(drop_share_urls, migrations.RunPython.noop)]
