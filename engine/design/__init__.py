"""Design: what a process designer does with diagrams before they go live. Today: test runs of a
procedure's declared paths through the real engine on a scratch database (`simulation`),
deploying only what validates (`deployment`), moving running dossiers between versions
(`migration`), and watching a deployed version live: waiting, overdue and time spent per
element, a dossier's own path (`live`).

May import: everything below it, including the composition root `engine.runtime`.
"""
