"""FastAGI call entry: the server, its wire protocol and the ``qualify`` route."""
