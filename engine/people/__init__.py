"""People: officers, units and the roles they hold (`officers`, with `Actor`, whoever does
something), logins of applicants and officers with password resets (`accounts`), their personal
access tokens for the REST API (`api_tokens`), and the human task lifecycle with the permission
check of each transition (`assignment`).

May import: the basics, `engine.data` and `engine.workflow`.
"""
