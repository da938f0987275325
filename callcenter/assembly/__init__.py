"""The composition layer: each process role assembled from Settings, and its lifecycle.

Only the composition root (``callcenter.app``) and tests import this package; nothing here
imports ``callcenter.app``. ``room`` is the bridge side (``serve --role all|bridge``, the demo),
``api_process`` the API-only process (``--role api``), ``dispatch`` the hand-off's runtime
parts over a store and an event sink, ``console`` the radio operator's terminal.
"""
