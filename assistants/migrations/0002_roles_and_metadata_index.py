"""Roles as groups (viewer, editor, publisher) and a GIN index for metadata containment on PostgreSQL."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "viewer": ["view_assistant"],
    "editor": ["view_assistant", "add_assistant", "change_assistant"],
    "publisher": [
        "view_assistant",
        "add_assistant",
        "change_assistant",
        "publish_assistant",
        "delete_assistant",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(
            content_type__app_label="assistants", codename__in=codenames
        )
        group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


def add_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS assistant_metadata_gin ON assistants_assistant "
            "USING gin (metadata jsonb_path_ops)"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS assistant_version_metadata_gin ON assistants_assistantversion "
            "USING gin (metadata jsonb_path_ops)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS assistant_metadata_gin")
        schema_editor.execute("DROP INDEX IF EXISTS assistant_version_metadata_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(add_gin_index, drop_gin_index),
    ]
