"""Router for the kakao surface (filled in by its issue)."""
from fastapi import APIRouter

router = APIRouter()
