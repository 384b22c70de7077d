"""Rasa-side extensions loaded by Rasa itself (endpoints.yml). Runs in .venv-rasa; the core packages never import it."""
