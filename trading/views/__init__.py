"""Server-rendered marketplace pages. Views parse, call one service or selector, and render.

One module per part of the marketplace, which `urls.py` and `urls_public.py` import directly: `market` (the
public pages), `seller`, `buyer`, `negotiations`, `deals` and `centres`.
"""
