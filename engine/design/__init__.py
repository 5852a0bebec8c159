"""Design: what a process designer does with diagrams before they go live. Today: test runs of a
procedure's declared paths through the real engine on a scratch database (`simulation`).

May import: everything below it, including the composition root `engine.runtime`.
"""
