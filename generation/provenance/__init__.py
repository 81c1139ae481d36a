"""Provenance of videos that leave storage: visible mark, forensic payload, content credentials."""
