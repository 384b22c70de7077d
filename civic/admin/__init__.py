"""Administrators: accounts (argon2), login throttling, sessions, audit log, and the dashboard's read models.

Plain Python over sqlite-utils; the web layer (web/routers/admin.py, web/admin/) is a thin adapter over it.
"""
