"""Staff dashboards: figures over the features' data, charts as accessible server-side SVG.

Reports depend on the features, never the other way round. Every figure is a
``tables.Table`` (rows for the HTML table and the CSV, an optional chart); the
per-feature modules (desk, search, agenda, learning, assistant) compute them,
``service`` puts them on pages and checks who may see them.
"""
