"""`tonlage serve`: the HTTP API and the article page (needs the optional ``serve`` extra).

Importing this package imports no web framework: ``tonlage --help`` stays fast and works without
the extra. The app lives in :mod:`tonlage.serve.app`, the micro-batcher in :mod:`tonlage.serve.batcher`.
"""
