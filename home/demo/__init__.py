"""The demo that `manage.py seed_demo` builds: real courses, people and activity, all through the services.

Each part is a step (`people`, `content`, `activity`, …) in `home.demo.steps`; a step is idempotent on its
own, so running the seeder again creates nothing and changes nothing.
"""
