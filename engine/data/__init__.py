"""Data: the database connection and its write rules (`db`), the tables (`models`) and their
migrations, scratch databases for test runs, the rows a dossier's advance reads and writes in
SQLAlchemy Core (`store`), and the append-only history and outbox (`journal`).

May import: the basics (`engine.config`, `clock`, `errors`, `statuses`, `forms`) only.
"""
