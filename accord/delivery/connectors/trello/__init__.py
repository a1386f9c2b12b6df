"""Trello: boards' cards, lists and moves, by file import (a board's "Export as JSON" or REST
cards and lists), incremental REST sync and signed webhooks.

Data source settings this connector reads:

- ``scope``: ``{"board_id": "<24-hex board id>", "api_url": "<Trello REST API address>",
  "callback_url": "<the exact webhook URL registered with Trello>"}``; the API key goes in
  ``username`` and the token in ``token``. An import skips cards of other boards when
  ``board_id`` is given.
- ``status_mapping``: list name → category; lists not mapped get a category from their name
  ("Done", "Shipped" → done; "Doing", "Review" → in progress; "Backlog", "To do" → to do).
"""
