"""The HTTP envelope shared by every LRS resource: one parsed request, version negotiation, errors, CORS.

Every resource handler receives an `LRSRequest` (method, params, headers, body) rather than the
Django request, so the alternate request syntax (xAPI Communication §1.3: a POST with `?method=`
and the real headers, parameters and content in a form body) is decoded once, here, and cannot be
used to bypass a check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from insights.xapi.statements import format_timestamp

SUPPORTED_VERSIONS = ("1.0.3", "2.0.0")
_VERSION_1 = re.compile(r"1\.0(?:\.[0-9]+)?")
_VERSION_2 = re.compile(r"2\.0(?:\.[0-9]+)?")
_FORM_HEADERS = {
    "authorization": "Authorization",
    "x-experience-api-version": "X-Experience-API-Version",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "if-match": "If-Match",
    "if-none-match": "If-None-Match",
    "accept-language": "Accept-Language",
}
ALLOWED_METHODS = "GET, HEAD, PUT, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Content-Length, X-Experience-API-Version, If-Match, If-None-Match, "
    "Accept-Language, X-Requested-With"
)
EXPOSED_HEADERS = "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through, Content-Type"
MAX_BODY_BYTES = 50 * 1024 * 1024


class LRSError(Exception):
    """A request the LRS refuses: `status` and a `reason` for the body. Nothing has been stored."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def bad_request(reason: str) -> LRSError:
    return LRSError(400, reason)


_decode_json = msgspec.json.Decoder().decode
encode_json = msgspec.json.Encoder().encode


@dataclass
class LRSRequest:
    """One LRS request, after the alternate syntax is decoded. `params` holds single-valued query parameters."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    version: str = "1.0.3"
    django_request: HttpRequest | None = field(default=None, repr=False)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def is_v2(self) -> bool:
        return self.version.startswith("2.")

    def json_body(self) -> Any:
        """The body as JSON, strictly (RFC 8259): msgspec also refuses NaN, Infinity, out-of-range numbers
        and lone surrogates, which Python's json accepts and PostgreSQL's jsonb would then refuse with a 500."""
        try:
            return _decode_json(self.body)
        except msgspec.MsgspecError as error:
            raise bad_request(f"the body is not valid JSON: {error}") from None


def _single_valued(pairs: list[tuple[str, str]], where: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise bad_request(f"parameter {key!r} is given more than once in the {where}")
        params[key] = value
    return params


def parse_request(request: HttpRequest) -> LRSRequest:
    """Decode the Django request, including the alternate request syntax; raises LRSError(400) if malformed."""
    try:
        query = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True, strict_parsing=False)
    except ValueError:
        raise bad_request("the query string is malformed") from None
    params = _single_valued(query, "query string")
    headers = {name.lower(): value for name, value in request.headers.items()}
    body = request.body if request.method not in ("GET", "HEAD", "OPTIONS") else b""
    if len(body) > MAX_BODY_BYTES:
        raise LRSError(413, "the request body is too large")
    method = request.method or "GET"
    if "method" in params:
        method, params, headers, body = _alternate_syntax(request.method or "", params, headers, body)
    return LRSRequest(method=method, params=params, headers=headers, body=body, django_request=request)


def _alternate_syntax(
    http_method: str, params: dict[str, str], headers: dict[str, str], body: bytes
) -> tuple[str, dict[str, str], dict[str, str], bytes]:
    """xAPI Communication §1.3: POST ?method=PUT|POST|GET|DELETE|HEAD with everything else in a form body."""
    if http_method != "POST":
        raise bad_request("the alternate request syntax ('method' parameter) must be sent with POST")
    if set(params) != {"method"}:
        raise bad_request("with the alternate request syntax, 'method' must be the only query parameter")
    method = params["method"].upper()
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        raise bad_request(f"unsupported method {params['method']!r} in the alternate request syntax")
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise bad_request("the alternate request syntax needs Content-Type application/x-www-form-urlencoded")
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the form body is malformed") from None
    fields = _single_valued(form, "form body")
    new_headers = {k: v for k, v in headers.items() if k not in ("content-type", "content-length")}
    new_params: dict[str, str] = {}
    content = b""
    for name, value in fields.items():
        lower = name.lower()
        if lower in _FORM_HEADERS:
            # The form's header parameters ARE the request's headers (Communication 1.3.s3.b7): one the
            # client also sent for real with another value makes the request ambiguous, so 400 rather
            # than silently picking one (ADL's suite sends a form version 0.8 beside a real 1.0.3 and
            # expects 400). Content-Type/Length in the form describe `content`, the real ones the form.
            if lower in new_headers and new_headers[lower] != value:
                raise bad_request(f"the form field {name} conflicts with the {_FORM_HEADERS[lower]} header")
            new_headers[lower] = value
        elif name == "content":
            content = value.encode("utf-8")
        else:
            new_params[name] = value
    if content and "content-type" not in new_headers:
        new_headers["content-type"] = "application/json"
    return method, new_params, new_headers, content


def negotiate_version(lrs_request: LRSRequest, *, required: bool = True) -> None:
    """Set `lrs_request.version` from X-Experience-API-Version: 1.0.x → 1.0.3, 2.0.x → 2.0.0, else 400."""
    value = (lrs_request.header("x-experience-api-version") or "").strip()
    if not value:
        if required:
            raise bad_request("the X-Experience-API-Version header is required")
        return
    if _VERSION_1.fullmatch(value):
        lrs_request.version = "1.0.3"
    elif _VERSION_2.fullmatch(value):
        lrs_request.version = "2.0.0"
    elif required:
        raise bad_request(f"unsupported X-Experience-API-Version {value!r}; this LRS speaks 1.0.x and 2.0.x")


def decorate(response: HttpResponse, request: HttpRequest, version: str) -> HttpResponse:
    """Headers every LRS response carries: version, consistency, CORS."""
    response["X-Experience-API-Version"] = version
    response.setdefault("X-Experience-API-Consistent-Through", format_timestamp(timezone.now()))
    origin = request.headers.get("Origin")
    response["Access-Control-Allow-Origin"] = origin or "*"
    if origin:
        response["Vary"] = "Origin"
        response["Access-Control-Allow-Credentials"] = "true"
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response["Cache-Control"] = "no-store"
    return response


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = encode_json(payload)  # compact UTF-8, like json.dumps(ensure_ascii=False), a page of 500 ~5× faster
    response = HttpResponse(body, status=status, content_type="application/json")  # exactly: clients compare it
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: LRSError) -> HttpResponse:
    return json_response({"error": True, "code": error.status, "message": error.reason}, error.status, error.headers)


def http_date(moment: Any) -> str:
    from django.utils.http import http_date as _http_date

    return _http_date(moment.timestamp())
