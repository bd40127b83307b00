"""The four roles of DESIGN.md §1 as groups, with their Wagtail permissions.

- Learners: everyone; no admin access.
- Authors: the admin, and add/edit (not publish) under /courses/; images and documents. They submit
  for review; Wagtail's default "Moderators approval" workflow routes it.
- Moderators (Wagtail's own group, kept): publish pages and approve reviews; moderate discussions.
- Analysts: the admin (for dashboards and exports), no page editing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN_GROUPS = ("Authors", "Moderators", "Analysts")


def ensure_permissions(apps):
    # Permissions are normally created after migrate; make sure the ones we grant exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    Collection = apps.get_model("wagtailcore.Collection")
    Page = apps.get_model("wagtailcore.Page")

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ("Learners", *ADMIN_GROUPS)}
    access_admin = Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    for name in ADMIN_GROUPS:
        groups[name].permissions.add(access_admin)

    catalogue = Page.objects.filter(url_path="/home/courses/").first()
    if catalogue is not None:
        for codename in ("add_page", "change_page"):
            permission = Permission.objects.get(codename=codename, content_type__app_label="wagtailcore")
            GroupPagePermission.objects.get_or_create(group=groups["Authors"], page=catalogue, permission=permission)

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
            for action in ("add", "choose"):
                permission = Permission.objects.get(codename=f"{action}_{model}", content_type__app_label=app_label)
                for name in ("Authors", "Moderators"):
                    GroupCollectionPermission.objects.get_or_create(
                        group=groups[name], collection=root_collection, permission=permission
                    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("courses", "0002_create_course_index"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
