"""Router for the admin surface (filled in by its issue)."""
from fastapi import APIRouter

router = APIRouter()
