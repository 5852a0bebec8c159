"""Data: the database connection and its write rules (`db`), the tables (`models`) and their
migrations, scratch databases for test runs, the rows a dossier's advance reads and writes in
SQLAlchemy Core (`store`), the append-only history and outbox (`journal`), the history's hash
chain and its check (`audit`), the search projection (`search_index`), backups of the whole
database (`backup`), and its copy into an empty PostgreSQL database (`copy_database`).

May import: the basics (`engine.config`, `clock`, `errors`, `statuses`, `forms`) only.
"""
