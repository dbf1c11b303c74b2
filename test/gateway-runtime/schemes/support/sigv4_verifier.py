"""
An independent SigV4 verifier on loopback: Debian's python3-botocore recomputes the signature of every
request it receives, from what it received (method, path, query, headers, body) and the credentials it
was given, with botocore's own SigV4Auth / S3SigV4Auth, and answers 200 only when it is equal.

    /usr/bin/python3 sigv4_verifier.py '<json config>'

Config: {"mode": "backend" | "sts", "region": ..., "service": ..., "s3": bool,
         "credentials": [{"accessKeyId", "secretAccessKey", "sessionToken"?}],   # accepted signers
         "revoked": [accessKeyId, ...],                                        # backend: always 403
         "sts": {"roleArn", "externalId"?, "issue": [{"accessKeyId", "secretAccessKey", "sessionToken",
                 "expiration"}]}}                                              # sts: handed out in turn
Prints "PORT <n>" once listening, then one JSON line per request (the verdict).

What an AWS service checks too: the credential scope names the configured region and service,
x-amz-date is within 15 minutes, host, x-amz-date and x-amz-content-sha256 are signed, every x-amz-*
header is signed, x-amz-content-sha256 is the SHA-256 of the body received (or UNSIGNED-PAYLOAD, which
only the S3 signer accepts), a session token is sent exactly when the credentials have one.
"""
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, parse_qsl

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

CONFIG = json.loads(sys.argv[1])
AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)
STATE = {"issued": 0}
LOCK = threading.Lock()


def verify(handler, body, region, service, s3):
    """Returns (ok, reason, detail)."""
    authz = handler.headers.get("Authorization", "")
    m = AUTH.match(authz)
    if not m:
        return False, "no AWS4-HMAC-SHA256 Authorization header", {}
    key_id, date, scope_region, scope_service, signed_list, signature = m.groups()
    creds = next((c for c in CONFIG["credentials"] if c["accessKeyId"] == key_id), None)
    if creds is None:
        return False, "unknown access key", {}
    if scope_region != region or scope_service != service:
        return False, f"scope {scope_region}/{scope_service} is not {region}/{service}", {}
    amz_date = handler.headers.get("X-Amz-Date", "")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return False, "x-amz-date missing or malformed", {}
    if amz_date[:8] != date:
        return False, "x-amz-date is not on the credential scope's day", {}
    if abs((datetime.datetime.utcnow() - when).total_seconds()) > 15 * 60:
        return False, "x-amz-date more than 15 minutes off", {}
    signed = signed_list.split(";")
    for required in ("host", "x-amz-date", "x-amz-content-sha256"):
        if required not in signed:
            return False, f"{required} is not signed", {}
    received = {name.lower() for name in handler.headers.keys()}
    for name in received:
        if name.startswith("x-amz-") and name not in signed:
            return False, f"{name} is sent but not signed", {}
    token = handler.headers.get("X-Amz-Security-Token")
    if (token or None) != (creds.get("sessionToken") or None):
        return False, "session token missing or not the credentials' one", {}
    content_sha = handler.headers.get("X-Amz-Content-SHA256")
    unsigned = content_sha == "UNSIGNED-PAYLOAD"
    if unsigned and not s3:
        return False, "UNSIGNED-PAYLOAD outside S3", {}
    if not unsigned and content_sha != hashlib.sha256(body).hexdigest():
        return False, "x-amz-content-sha256 is not the SHA-256 of the body received", {}

    # The request as botocore would have made it: the signed headers only, the query as decoded
    # parameters (botocore encodes them itself), the path as received (SigV4Auth encodes it once more;
    # S3's rule is the key encoded once, which is what botocore's S3 serializer puts in the URL).
    raw_path, _, raw_query = handler.path.partition("?")
    path = quote(unquote(raw_path), safe="/~") if s3 else raw_path
    params = [(unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in raw_query.split("&") if p)]
    headers = {}
    for name in signed:
        values = handler.headers.get_all(name)
        if values is None:
            return False, f"signed header {name} is not in the request", {}
        headers[name] = ",".join(values)
    request = AWSRequest(
        method=handler.command, url=f"http://{headers['host']}{path}", headers=headers, data=body
    )
    request.params = params
    request.context["timestamp"] = amz_date
    if unsigned:
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    credentials = Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds.get("sessionToken"))
    auth = (S3SigV4Auth if s3 else SigV4Auth)(credentials, service, region)
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    detail = {"canonical": canonical, "signedHeaders": signed, "accessKeyId": key_id, "amzDate": amz_date}
    if not hmac.compare_digest(expected, signature):
        return False, "signature does not match", detail
    return True, "ok", detail


def sts_answer(handler, body):
    form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    sts = CONFIG["sts"]
    if form.get("Action") != "AssumeRole" or form.get("Version") != "2011-06-15":
        return 400, "InvalidAction", None
    if form.get("RoleArn") != sts["roleArn"]:
        return 403, "AccessDenied", None
    if form.get("ExternalId") != sts.get("externalId"):
        return 403, "AccessDenied", None
    if not form.get("RoleSessionName") or not 900 <= int(form.get("DurationSeconds", "3600")) <= 43200:
        return 400, "ValidationError", None
    with LOCK:
        issue = sts["issue"][min(STATE["issued"], len(sts["issue"]) - 1)]
        STATE["issued"] += 1
    xml = (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>"
        f"<Arn>{sts['roleArn']}</Arn></AssumedRoleUser><Credentials>"
        f"<AccessKeyId>{issue['accessKeyId']}</AccessKeyId>"
        f"<SecretAccessKey>{issue['secretAccessKey']}</SecretAccessKey>"
        f"<SessionToken>{issue['sessionToken']}</SessionToken>"
        f"<Expiration>{issue['expiration']}</Expiration>"
        "</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId>"
        "</ResponseMetadata></AssumeRoleResponse>"
    )
    return 200, None, xml


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        mode = CONFIG["mode"]
        region = CONFIG["region"]
        service = "sts" if mode == "sts" else CONFIG["service"]
        ok, reason, detail = verify(self, body, region, service, CONFIG.get("s3", False) and mode != "sts")
        verdict = {"mode": mode, "method": self.command, "path": self.path, "verified": ok, "reason": reason,
                   "bodyLength": len(body), **detail}
        if mode == "sts":
            if not ok:
                status, code, text = 403, "SignatureDoesNotMatch", None
            else:
                status, code, text = sts_answer(self, body)
            verdict["status"] = status
            if text is None:
                text = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>'
                        f'<Message>refused</Message></Error><RequestId>r-1</RequestId></ErrorResponse>')
            self.reply(status, "text/xml", text.encode(), verdict)
            return
        if ok and detail.get("accessKeyId") in CONFIG.get("revoked", []):
            verdict.update(verified=False, reason="credentials revoked")
            ok = False
        verdict["status"] = 200 if ok else 403
        self.reply(verdict["status"], "application/json", json.dumps(verdict).encode(), verdict)

    def reply(self, status, content_type, payload, verdict):
        with LOCK:
            sys.stdout.write(json.dumps(verdict) + "\n")
            sys.stdout.flush()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
