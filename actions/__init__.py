"""Rasa custom actions: thin adapters over the plain modules in civic/ and knowledge/.

rasa-sdk imports every submodule of this package (`python -m rasa_sdk --actions actions`).
"""
