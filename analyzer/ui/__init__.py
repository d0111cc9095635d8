"""The Streamlit review app: one module per page, shared helpers in ``common``.

``app.py`` (``make run`` / ``alliance app``) calls ``analyzer.ui.main.run()``. Pages hold
only presentation; review state, exports, uploads and speaker fixes are library modules
(``analyzer.review``, ``analyzer.exports``, ``analyzer.uploads``, ``analyzer.fixes``,
``analyzer.catalog``) tested without Streamlit.
"""
