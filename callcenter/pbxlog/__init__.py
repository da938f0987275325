"""Asterisk's own record of its calls (queue_log, CEL): readers, and the reconciler that
rebuilds from them what the bridge did not see (issue 15). The pure part is
``callcenter.domain.pbx_log`` and ``callcenter.domain.reconcile``."""
