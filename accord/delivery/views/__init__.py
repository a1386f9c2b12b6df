"""Delivery pages: data sources and their runs, browsable records, and people.

Every view asks the policy twice, in this order: may the user know the object exists (the
`visible_*` querysets, 404 otherwise), then may they do this to it (`policy.require`, 403).
"""
