"""git: every commit of a local repository (all branches, or one ref) with its size, read from
one streamed `git log --numstat`. Scope: {"path": "/srv/repos/payments", "refs": ["main"]}."""
