"""Admin dashboard plumbing for web/routers/admin.py: signed cookies, CSRF, bearer tokens, dependencies, templates."""
