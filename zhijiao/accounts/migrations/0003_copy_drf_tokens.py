"""Existing DRF tokens (rest_framework.authtoken) become ApiTokens: the same key keeps working
(stored now as its SHA-256), named "API token", expiring ``API_TOKEN_MIGRATED_DAYS`` (default 90)
days from now, without scopes; the plain keys are then deleted from the old table. Reversing it is a
no-op: the plain keys are gone on purpose (docs/architecture.md, "API tokens")."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def copy_tokens(apps, schema_editor):
    try:
        Token = apps.get_model("authtoken", "Token")
    except LookupError:  # rest_framework.authtoken no longer installed: nothing to copy
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires = timezone.now() + timedelta(days=getattr(settings, "API_TOKEN_MIGRATED_DAYS", 90))
    batch = [
        ApiToken(
            user_id=token.user_id,
            name="API token",
            prefix=token.key[:8],
            key_hash=hashlib.sha256(token.key.encode()).hexdigest(),
            scopes=[],
            expires_at=expires,
        )
        for token in Token.objects.all().iterator()
    ]
    ApiToken.objects.bulk_create(batch, batch_size=1000, ignore_conflicts=True)
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(copy_tokens, migrations.RunPython.noop, elidable=True)]
