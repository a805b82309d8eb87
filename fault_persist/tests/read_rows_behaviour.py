"""read_rows against SQLAlchemy on every backend: one behaviour, shared.

Mixed into a test case with a migrated database (SQLite in the unit
tests, PostgreSQL and MariaDB in the functional ones).
"""

import fault_persist
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist.tests import base


def page_statement(dialect, parameters, details=True):
    """The page query of get_latest_faults on ``dialect``, and its values.

    :param parameters: ``instance_ids`` (a list) and ``project_id``.
    :param details: the shape with the rows' details, or without.
    """
    query = db_faults._page_query(dialect)
    return query.statements[True, details], dict(
        parameters, instance_ids=query.bind(parameters['instance_ids']))


class ReadRowsBehaviour:
    """read_rows gives the rows SQLAlchemy gives, for each statement shape.

    :meth:`statements` may add a backend's own shapes;
    :meth:`use_engine` may set up the engine before the faults are saved.
    """

    instance_id = 'vm-read-rows'

    def setUp(self):
        super().setUp()
        self.use_engine()
        for project_id in ('project-a', 'project-b'):
            fault_persist.save_fault(base.user_context(project_id),
                                     self.instance_id,
                                     'Failed in ' + project_id,
                                     details='Traceback: boom')

    def use_engine(self):
        """Set up the engine to read with; the test database's by default."""

    def _through_sqlalchemy(self, statement, parameters):
        with db_engine.read_connection() as connection:
            return [tuple(row) for row in connection.execute(
                statement, parameters)]

    def statements(self):
        """``(statement, parameters)`` pairs that each read rows."""
        show = db_faults._show_query(db_engine.get_engine().dialect)
        return [
            (show.latest, {'instance_id': self.instance_id}),
            (show.of_project, {
                'instance_id': self.instance_id,
                'project_id': 'project-a'}),
            # The page query of the backend, with details and without.
            page_statement(db_engine.get_engine().dialect, {
                'instance_ids': [self.instance_id, 'vm-none'],
                'project_id': 'project-a'}),
            page_statement(db_engine.get_engine().dialect, {
                'instance_ids': [self.instance_id, 'vm-none'],
                'project_id': 'project-a'}, details=False)]

    def test_rows_are_what_sqlalchemy_returns(self):
        for statement, parameters in self.statements():
            rows = db_engine.read_rows(statement, parameters)
            self.assertTrue(rows)
            self.assertEqual(
                self._through_sqlalchemy(statement, parameters),
                [tuple(row) for row in rows])
