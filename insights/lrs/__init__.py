"""The embedded LRS: the xAPI 1.0.3 / 2.0 resources under /xapi/ (DESIGN.md §5).

Modules: `http` (request model, version negotiation, CORS, alternate syntax, errors), `auth`
(HTTP Basic credentials), `params` (query parameter parsing), `statements` (ingest and query over
the one Statement store), `documents` (State / Activity Profile / Agent Profile), `multipart`
(multipart/mixed with attachments), `jws` (signed statements), `views` (one view per resource).
"""
