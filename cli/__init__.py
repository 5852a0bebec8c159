"""The `motcua` command: parses arguments, calls the engine, prints.

`main` holds the root group, the error messages of `main()` and the list of command groups; each
group lives in a module named for it (`database`, `procedures`, `people`, `dossiers`, `tasks`,
`deadlines`, `reports`, `outbox`, `payouts`, `reminders`, `audit`, `backup`, `timers`, `serving`,
`replay`), with what they share in `common`.
"""
