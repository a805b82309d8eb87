"""Console scripts of fault_persist."""

import warnings

# oslo.messaging imports oslo.service, which imports eventlet, which warns
# on import that it is deprecated. Our console scripts never run eventlet,
# and an operator can do nothing about it: silence that one warning, before
# any command module imports oslo.messaging.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
