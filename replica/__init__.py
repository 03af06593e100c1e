"""An offline replica of www.regjeringen.no for tests, benchmarks and the demo.

- ``replica.site.Site(articles, seed)``: the content model (no I/O). ``render(target)``
  gives a ``replica.routes.Response``; ``expected(id)`` the ``archive.model.Article``
  a correct extractor produces from that page; ``set_version(n)`` edits, removes and
  adds articles and changes the chrome.
- ``replica.server.ReplicaServer(site)``: HTTP/1.1 on 127.0.0.1 in a background thread,
  with ``faults`` (``replica.faults.Faults``) and a ``requests`` log.
- ``replica.server.main(...)``: what ``regarkiv replica`` runs.

Markup follows the real captures in ``shared/real-pages/`` and ``site.md``; where the
real site is unknown (news article bodies, figures, the last listing page, RSS XML,
the sitemap) the choice made here is documented in the module that renders it.
"""
