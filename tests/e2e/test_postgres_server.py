"""The suite's own PostgreSQL server starts, serves and stops (issue #14)."""

from tests.support.postgres import start_server


def test_server_starts_and_answers():
    server = start_server()
    try:
        assert server.psql("select 1") == "1"
        server.psql("create database t1")
        assert server.psql("select current_database()", database="t1") == "t1"
    finally:
        server.stop()
    assert not server.root.exists()
