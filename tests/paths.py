from pathlib import Path

# The checkout: where manage.py, README.md and the apps are.
ROOT = Path(__file__).resolve().parents[1]
