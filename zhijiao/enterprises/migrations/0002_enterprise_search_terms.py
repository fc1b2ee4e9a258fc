# The host's name searched from an index across the province (issue 16): the generated terms column
# (characters and adjacent pairs, zhijiao.core.search) and its GIN index. PostgreSQL only.

from django.db import migrations

from zhijiao.core.search import terms_column_operation


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0001_initial"),
        ("core", "0005_name_terms_function"),
    ]

    operations = [terms_column_operation("enterprises_enterprise", "name")]
