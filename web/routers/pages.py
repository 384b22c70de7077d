"""Router for the pages surface (filled in by its issue)."""
from fastapi import APIRouter

router = APIRouter()
