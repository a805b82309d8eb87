"""init() twice: the same settings are adopted, others refused."""

from oslo_config import cfg
from oslo_config import fixture as config_fixture

import fault_persist.conf
from fault_persist import config
from fault_persist import exception
from fault_persist.tests import base


class TestInitTwice(base.TestCase):

    def other_conf(self, **overrides):
        conf = cfg.ConfigOpts()
        conf([], project='fault_persist')
        fixture = self.useFixture(config_fixture.Config(conf))
        fault_persist.conf.register_opts(conf)
        values = {'state_path': self.conf.fault_persist.state_path}
        values.update(overrides)
        fixture.config(group='fault_persist', **values)
        return conf

    def test_another_database_is_refused_with_what_to_do(self):
        conf2 = self.other_conf(connection='sqlite:////tmp/other.sqlite')
        error = self.assertRaises(exception.AlreadyInitialized,
                                  config.init, conf2)
        self.assertIn('other.sqlite', str(error))
        self.assertIn('restart the service', str(error))
        self.assertIs(self.conf, config.get_conf())

    def test_another_spool_dir_is_refused(self):
        conf2 = self.other_conf(spool_dir='/tmp/elsewhere')
        error = self.assertRaises(exception.AlreadyInitialized,
                                  config.init, conf2)
        self.assertIn('/tmp/elsewhere', str(error))

    def test_password_is_not_shown(self):
        conf2 = self.other_conf(
            connection='mysql+pymysql://u:hunter2@db/x')
        error = self.assertRaises(exception.AlreadyInitialized,
                                  config.init, conf2)
        self.assertNotIn('hunter2', str(error))

    def test_same_settings_are_adopted(self):
        conf2 = self.other_conf()
        config.init(conf2)
        self.assertIs(conf2, config.get_conf())
