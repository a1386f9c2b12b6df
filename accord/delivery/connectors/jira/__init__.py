"""Jira Cloud: issues with their changelogs, sprints and statuses, by file, sync and webhook."""
