"""GitHub: pull requests, reviews, deployments and their statuses, releases, incident issues and
workflow runs, by file import (REST JSON), incremental REST sync and signed webhooks.

Data source settings this connector reads:

- ``scope``: ``{"repos": ["owner/name", ...], "api_url": "..."}``; ``api_url`` is the REST API
  base a sync talks to (GitHub.com's public API, or ``https://HOST/api/v3`` on GitHub Enterprise
  Server; docs/github.md names the public one). An import skips records of repos outside
  ``repos`` when the list is given.
- ``deployment_rule``: ``{"environment_pattern": "prod*"}`` (deployments to matching environments
  are production; without it GitHub's own ``production_environment`` flag or an environment
  named production/prod decides), ``{"workflow": "Deploy", "branch": "main"}`` (successful runs of
  that workflow, optionally only on that branch, are production deployments) and
  ``{"releases": true}`` (published releases are production deployments).
- ``incident_rule``: ``{"labels": ["incident", ...]}`` — issues with one of these labels are
  incidents.
"""
