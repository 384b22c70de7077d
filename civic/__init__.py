"""Core of the Gwangju civic assistant: settings, proposal store, privacy, embeddings, clustering.

This package never imports rasa or rasa_sdk (checked by tests/app/test_boundaries.py).
"""
