"""Design: what a process designer does with diagrams before they go live. Test runs of a
procedure's declared paths through the real engine on a scratch database (`simulation`), the
studio's drafts, their checks, test runs and deploy gate (`drafts`), user-task forms edited in the
metadata (`task_forms`), decision tables (`decisions`), deploying only what validates
(`deployment`), versions compared and incidents for the studio's pages (`version_pages`), moving
running dossiers between versions (`migration`), and watching a deployed version live: waiting,
overdue and time spent per element, a dossier's own path (`live`).

May import: everything below it, including the composition root `engine.runtime`.
"""
