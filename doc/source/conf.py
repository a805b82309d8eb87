"""Sphinx configuration of the fault_persist documentation."""

import warnings

# The option and policy extensions import oslo.messaging, hence oslo.service
# and eventlet, which warns on import that it is deprecated: not a problem
# of these docs.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

extensions = [
    'sphinx.ext.autodoc',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
]

config_generator_config_file = (
    '../../etc/fault-persist/fault-persist-config-generator.conf')
sample_config_basename = '_static/fault-persist'
policy_generator_config_file = (
    '../../etc/fault-persist/fault-persist-policy-generator.conf')
sample_policy_basename = '_static/fault-persist'

project = 'fault_persist'
copyright = '2026, fault_persist developers'
master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'sphinx'
html_theme = 'alabaster'
html_static_path = ['_static']
autodoc_member_order = 'bysource'
