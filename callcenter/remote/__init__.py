"""Scale-out: the API's ports over Redis, for an API process that runs no bridge.

``ports`` holds the API-side adapters (PBX control, event sink, hand-off over the command
channel), ``handlers`` the bridge-side table that performs them, ``roles`` what each
``callcenter serve --role`` needs (the API-only process itself is
``callcenter.assembly.api_process``).
"""
