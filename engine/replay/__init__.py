"""Replaying a province's half-year through the real engine: the generator's data (mix), the plan of
dossiers and officers' time (plan), the worker processes that drive the engine (drive) and the
accounting read back from the database (accounting). May import the engine's other packages."""
