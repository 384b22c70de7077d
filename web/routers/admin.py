"""The administrators' surface: HTML dashboard under /admin (session cookie + CSRF) and JSON API under /api/admin
(OAuth2 bearer tokens). Every route but the login form and the token endpoint requires an administrator."""
from fastapi import APIRouter

from web.admin import api, knowledge, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(knowledge.router)
router.include_router(api.router)
