"""The catalogue lives at /courses/ on every install: create it under the home page."""

from django.db import migrations


def create_course_index(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    CourseIndexPage = apps.get_model("courses.CourseIndexPage")
    home = Page.objects.filter(depth=2, url_path="/home/").first()
    if home is None or CourseIndexPage.objects.exists():
        return
    index_type, _ = ContentType.objects.get_or_create(model="courseindexpage", app_label="courses")
    last_child = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).order_by("-path").first()
    step = int(last_child.path[-4:]) + 1 if last_child else 1
    CourseIndexPage.objects.create(
        title="Courses",
        draft_title="Courses",
        slug="courses",
        content_type=index_type,
        path=f"{home.path}{step:04d}",
        depth=home.depth + 1,
        numchild=0,
        url_path=f"{home.url_path}courses/",
        locale_id=home.locale_id,
        intro="<p>Short, practical courses on how we work. Pick one, and ask questions as you go.</p>",
    )
    home.numchild += 1
    home.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial"), ("home", "0002_create_homepage")]

    operations = [migrations.RunPython(create_course_index, migrations.RunPython.noop)]
