"""Streamlit entry point: ``make run`` or ``alliance app``. Thin: pages are in ``analyzer.ui``."""

from __future__ import annotations

from analyzer.ui.main import run

run()
