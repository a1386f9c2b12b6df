"""CSV: Accord's generic work-item file (docs/csv-import.md), for tools without a connector.

File import only (no sync, no webhooks). Status categories come from the data source's
``status_mapping`` first, then from the status name ("Done" → done, "In progress" → in progress,
"Backlog" → to do), else the status counts as to do and is listed as unmapped.
"""
